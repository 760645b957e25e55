"""Tax receipts (reçus fiscaux, CERFA 11580 and 16216): numbered without
gaps per year of issue, frozen copies of the gifts they cover, never deleted
(cancel-and-replace keeps the trail). Issuing and replacing are in
receipt_issue.py, printing in receipt_report.py, the yearly generation in
receipt_generate.py, the e-mailing in receipt_email.py."""
from sql.aggregate import Count, Max, Min, Sum

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice

from connexion_asso.workflow import TransitionOnlyMixin

from connexion_donation.donation import FORMS, NATURES, PAYMENT_METHODS
from .exceptions import ReceiptCancelError, ReceiptFrozenError

# Records browsed (or read with function fields) at once: each instance
# checks the whole id list of its browse, which is quadratic.
BROWSE = 200

FROZEN = {'company', 'number', 'year', 'sequence', 'kind', 'party',
    'donor_type', 'donor_name', 'donor_address', 'donor_siren',
    'donor_legal_form', 'issue_date', 'date_start',
    'date_end', 'amount', 'currency', 'lines', 'cerfa', 'association_name',
    'association_address', 'association_rna', 'association_siren',
    'association_purpose', 'association_quality', 'rate_text', 'signatory'}


class Receipt(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.donation.receipt'
    _rec_name = 'number'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    number = fields.Char("Number", required=True, readonly=True)
    year = fields.Integer("Year", required=True, readonly=True)
    sequence = fields.Integer("Sequence", required=True, readonly=True)
    kind = fields.Selection([
            ('gift', "Per Gift"),
            ('annual', "Annual"),
            ], "Kind", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Donor", required=True, readonly=True,
        ondelete='RESTRICT')
    donor_type = fields.Selection([
            ('individual', "Individual"),
            ('company', "Company"),
            ], "Donor Type", required=True, readonly=True)
    donor_name = fields.Char("Donor Name", required=True, readonly=True)
    donor_address = fields.Text("Donor Address", readonly=True)
    donor_siren = fields.Char(
        "Donor SIREN", readonly=True,
        states={'invisible': Eval('donor_type') != 'company'})
    donor_legal_form = fields.Char(
        "Donor Legal Form", readonly=True,
        states={'invisible': Eval('donor_type') != 'company'})
    issue_date = fields.Date("Issue Date", required=True, readonly=True)
    cerfa = fields.Char("CERFA", readonly=True)
    association_name = fields.Char("Association", readonly=True)
    association_address = fields.Text("Association Address", readonly=True)
    association_rna = fields.Char("Association RNA", readonly=True)
    association_siren = fields.Char("Association SIREN", readonly=True)
    association_purpose = fields.Text("Association Purpose", readonly=True)
    association_quality = fields.Text(
        "Association Quality", readonly=True,
        help="General interest or public utility (with its decree), as "
        "printed.")
    rate_text = fields.Text(
        "Tax Reduction", readonly=True,
        help="The reduction wording printed, as in force at issue.")
    signatory = fields.Char("Signatory", readonly=True)
    date_start = fields.Date("From", required=True, readonly=True)
    date_end = fields.Date("To", required=True, readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, readonly=True)
    lines = fields.One2Many(
        'connexion.donation.receipt.line', 'receipt', "Gifts", readonly=True)
    donations = fields.One2Many(
        'connexion.donation', 'receipt', "Donations", readonly=True)
    state = fields.Selection([
            ('issued', "Issued"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True)
    replaced_by = fields.Many2One(
        'connexion.donation.receipt', "Replaced by", readonly=True)
    replaces = fields.Many2One(
        'connexion.donation.receipt', "Replaces", readonly=True,
        states={'invisible': ~Eval('replaces')},
        help="The cancelled receipt this one replaces (printed on it).")
    cancel_reason = fields.Text(
        "Cancellation Reason",
        states={'readonly': Eval('state') != 'issued'},
        help="Required to cancel or replace the receipt; printed on the "
        "cancelled receipt.")
    cancel_date = fields.Date(
        "Cancellation Date", readonly=True,
        states={'invisible': Eval('state') != 'cancelled'})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.company, t.number),
                'connexion_tax_receipt.msg_receipt_number_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality()),
                (t.year, Index.Range()), (t.sequence, Index.Range())))
        cls._order = [
            ('year', 'DESC'), ('sequence', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('issued', 'cancelled')}
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('state') != 'issued',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'issued'

    @classmethod
    def _transition_fields(cls):
        "Cancelling and replacing a receipt link it to its successor."
        return super()._transition_fields() | {
            'replaced_by', 'replaces', 'cancel_date'}

    @classmethod
    def _state_locked_fields(cls):
        "The reason of a cancellation stays as it was printed."
        locked = super()._state_locked_fields()
        locked['cancel_reason'] = {'issued'}
        return locked

    @classmethod
    def check_modification(cls, mode, receipts, values=None, external=False):
        super().check_modification(
            mode, receipts, values=values, external=external)
        if mode == 'delete':
            raise ReceiptFrozenError(gettext(
                    'connexion_tax_receipt.msg_receipt_delete',
                    receipt=receipts[0].number))
        if mode == 'write' and set(values) & FROZEN:
            raise ReceiptFrozenError(gettext(
                    'connexion_tax_receipt.msg_receipt_frozen',
                    receipt=receipts[0].number))

    @classmethod
    def copy(cls, receipts, default=None):
        if not receipts:
            return []
        raise ReceiptFrozenError(gettext(
                'connexion_tax_receipt.msg_receipt_copy'))

    @classmethod
    def _receipted_models(cls):
        """{model name: field of the receipt line}: what a receipt covers,
        gifts here; extended by the modules whose records are receipted like
        gifts (connexion_membership: fees without counterpart)."""
        return {
            'connexion.donation': 'donation',
            }

    @classmethod
    def browse_chunked(cls, ids):
        """browse, by chunks: each instance of a browse checks the whole id
        list, which is quadratic for a year of receipts."""
        return [r for sub_ids in grouped_slice(ids, BROWSE)
            for r in cls.browse(list(sub_ids))]

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, receipts):
        """The number stays used, the reason and date are kept and printed;
        the gifts are released for a new receipt."""
        pool = Pool()
        Date = pool.get('ir.date')
        for receipt in receipts:
            if not (receipt.cancel_reason or '').strip():
                raise ReceiptCancelError(gettext(
                        'connexion_tax_receipt.msg_receipt_cancel_reason',
                        receipt=receipt.number))
        cls.write(receipts, {'cancel_date': Date.today()})
        for model_name in cls._receipted_models():
            Model = pool.get(model_name)
            records = Model.search([('receipt', 'in', [r.id for r in receipts])])
            if records:
                Model.write(records, {'receipt': None})

    @classmethod
    def _sirens(cls, party_ids):
        """{party id: SIREN}: the first nine digits of the party's SIREN or
        SIRET, its latest identifier winning (issue and print agree)."""
        Identifier = Pool().get('party.identifier')
        sirens = {}
        for sub_ids in grouped_slice(
                sorted(party_ids), backend.MAX_QUERY_PARAMS):
            for row in Identifier.search_read([
                        ('party', 'in', list(sub_ids)),
                        ('type', 'in', ['fr_siren', 'fr_siret']),
                        ], order=[('id', 'ASC')],
                    fields_names=['party', 'code']):
                sirens[row['party']] = ''.join(
                    c for c in row['code'] or '' if c.isdigit())[:9]
        return sirens


class ReceiptLine(ModelSQL, ModelView):
    __name__ = 'connexion.donation.receipt.line'

    receipt = fields.Many2One(
        'connexion.donation.receipt', "Receipt", required=True,
        ondelete='CASCADE')
    donation = fields.Many2One(
        'connexion.donation', "Donation", ondelete='RESTRICT',
        states={'invisible': ~Eval('donation')})
    date = fields.Date("Date", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True)
    form = fields.Selection(FORMS, "Form", required=True)
    nature = fields.Selection(NATURES, "Nature", required=True)
    payment_method = fields.Selection(PAYMENT_METHODS, "Payment Method")
    in_kind_description = fields.Text("Description of the Goods")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('receipt')
        t = cls.__table__()
        # Issuing links the gifts through their lines (Receipt._link).
        cls._sql_indexes.add(Index(t, (t.donation, Index.Equality())))
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def values_from_row(cls, field, row):
        """Frozen copy of a gift (field: 'donation', or the field of another
        receipted model) read by Receipt._read_receiptables."""
        return {
            field: row['id'],
            'date': row['date'],
            'amount': row['amount'],
            'form': row['form'],
            'nature': row['nature'],
            'payment_method': row['payment_method'],
            'in_kind_description': row['in_kind_description'],
            }

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise ReceiptFrozenError(gettext(
                    'connexion_tax_receipt.msg_receipt_frozen',
                    receipt=lines[0].receipt.number))


class ReceiptYear(ModelSQL, ModelView):
    """Yearly totals of the receipts issued, for the declaration of
    article 222 bis of the CGI (amount and number of receipts)."""
    __name__ = 'connexion.donation.receipt.year'

    company = fields.Many2One('company.company', "Company")
    year = fields.Integer("Year")
    receipt_count = fields.Integer("Number of Receipts")
    amount = fields.Numeric("Amount", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        Receipt = Pool().get('connexion.donation.receipt')
        receipt = Receipt.__table__()
        return receipt.select(
            Min(receipt.id).as_('id'),
            Min(receipt.create_uid).as_('create_uid'),
            Min(receipt.create_date).as_('create_date'),
            Max(receipt.write_uid).as_('write_uid'),
            Max(receipt.write_date).as_('write_date'),
            receipt.company.as_('company'),
            receipt.year.as_('year'),
            Count(receipt.id).as_('receipt_count'),
            Sum(receipt.amount).as_('amount'),
            where=receipt.state == 'issued',
            group_by=[receipt.company, receipt.year])
