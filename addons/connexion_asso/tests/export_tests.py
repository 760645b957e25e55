"""Unit tests of the French formatting helpers, mixed into the test case,
and the helpers of the tests of the export of a list to a spreadsheet
(XLSX; connexion_volunteer's export_tests export its lists)."""
import datetime as dt
import io
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction



def french_user(login, *groups):
    "A user in French in the groups (xml ids of connexion_asso)."
    pool = Pool()
    Lang = pool.get('ir.lang')
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    french, = Lang.search([('code', '=', 'fr')])
    Lang.load_translations([french])
    user = User(login=login, name=login, language=french, groups=[
            ModelData.get_id('connexion_asso', g) for g in groups])
    user.save()
    return user


def export(model, ids, **context):
    "The workbook and the wizard's values of an export of the records."
    import openpyxl
    Export = Pool().get('connexion.export.xlsx', type='wizard')
    with Transaction().set_context(active_model=model, active_ids=ids,
            active_id=ids[0] if ids else None, **context):
        Export.check_access()
        session_id, _, _ = Export.create()
        values = Export(session_id).default_result([])
    return openpyxl.load_workbook(io.BytesIO(values['file'])).active, values


class ExportTestMixin:

    @with_transaction()
    def test_french_date_format(self):
        "The staff client shows French dates as 31/12/2026 (ir.lang fr)"
        french = Pool().get('ir.lang').get('fr')
        self.assertEqual(french.date, '%d/%m/%Y')
        self.assertEqual(french.strftime(dt.date(2026, 12, 31)), "31/12/2026")

    @with_transaction()
    def test_french_formats(self):
        "Amounts and dates the French way, with ir.lang's separators"
        from connexion_asso.formatting import format_amount, format_date
        self.assertEqual(format_amount(Decimal('1234.5')),
            "1\u00a0234,50\u00a0€")
        self.assertEqual(format_amount(Decimal('1234567.891'), symbol=False),
            "1\u00a0234\u00a0567,89")
        self.assertEqual(format_amount(Decimal('-42')), "-42,00\u00a0€")
        self.assertEqual(format_date(dt.date(2026, 3, 4)), "04/03/2026")
        self.assertEqual(format_date(None), "")
        # Whatever the user's language.
        with Transaction().set_context(language='en'):
            self.assertEqual(format_amount(Decimal('1000')),
                "1\u00a0000,00\u00a0€")

    @with_transaction()
    def test_amount_formatter(self):
        """A document's amounts as format_amount writes them, each distinct
        amount formatted once"""
        from unittest.mock import patch

        from connexion_asso.formatting import amount_formatter, format_amount
        money = amount_formatter()
        Lang = Pool().get('ir.lang')
        with patch.object(Lang, 'format', autospec=True,
                side_effect=Lang.format) as format_:
            texts = [money(Decimal(a)) for a in
                ['1234.5', '20', '20.00', '1234.50', '-42', '20']]
        self.assertEqual(texts, [format_amount(Decimal(a)) for a in
                ['1234.5', '20', '20', '1234.5', '-42', '20']])
        self.assertEqual(format_.call_count, 3)
