"""Gifts: recorded by the fundraising team, validated by posting the move
directly on the right 754x account (no receivable step)."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from connexion_asso.workflow import PostingWorkflowMixin, TransitionOnlyMixin

from .exceptions import BatchError, DonationError, PostingError

PAYMENT_METHODS = [
    (None, ""),
    ('cash', "Cash"),
    ('check', "Cheque"),
    ('transfer', "Bank Transfer"),
    ('direct_debit', "Direct Debit"),
    ('card', "Card"),
    ]
FORMS = [
    ('manual', "Manual Gift Declaration"),
    ('authentic', "Authentic Deed"),
    ('private', "Private Deed"),
    ('other', "Other"),
    ]
NATURES = [
    ('cash', "Money"),
    ('securities', "Listed Securities"),
    ('in_kind', "In Kind"),
    ('expense_waiver', "Waiver of Expenses"),
    ('income_waiver', "Waiver of Income"),
    ]
MONEY_NATURES = {'cash', 'securities'}


class CompanyCurrencyMixin:
    "Company and currency default to the user's current company."
    __slots__ = ()

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_currency():
        Company = Pool().get('company.company')
        company = Transaction().context.get('company')
        if company is not None and company >= 0:
            return Company(company).currency.id


class DonorAmountMixin:
    """A donor's amount (a gift, a recurring plan): found by the donor's
    name, and positive (the model words it in workflow_message)."""
    __slots__ = ()

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names & {'amount'} or not field_names:
            for record in records:
                if record.amount is not None and record.amount <= 0:
                    raise DonationError(
                        record.workflow_message('amount_positive'))


class ReceiptedMixin:
    """The hook of a record a tax receipt may cover (a gift, a fee): a
    receipted record is frozen but for _receipt_unlocked_fields and is
    cancelled only once its receipt is. Nothing is receipted here:
    connexion_tax_receipt fills receipted and enforces the lock; other
    modules read receipted and unlock their own fields (the bank's return
    of a SEPA debit)."""
    __slots__ = ()

    @classmethod
    def _receipt_unlocked_fields(cls):
        "What may still change on a record covered by an issued receipt."
        return {'notes'}

    @property
    def receipted(self):
        "Covered by an issued tax receipt (connexion_tax_receipt)."
        return False


class Donation(
        DonorAmountMixin, ReceiptedMixin, PostingWorkflowMixin,
        CompanyCurrencyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.donation'
    _validate_button = 'validate_donation'

    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    party = fields.Many2One(
        'party.party', "Donor", required=True, states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    donor_type = fields.Selection([
            ('individual', "Individual"),
            ('company', "Company"),
            ], "Donor Type", required=True, states=_states)
    date = fields.Date("Date", required=True, states=_states)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states,
        help="For gifts in kind, the valuation of the goods.")
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states)
    payment_method = fields.Selection(
        PAYMENT_METHODS, "Payment Method",
        states={
            'readonly': _states['readonly'],
            'required': (Eval('nature').in_(list(MONEY_NATURES))
                & (Eval('state') != 'draft')),
            'invisible': ~Eval('nature').in_(list(MONEY_NATURES)),
            })
    check_number = fields.Char(
        "Cheque Number",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('payment_method') != 'check',
            })
    check_bank = fields.Char(
        "Cheque Bank",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('payment_method') != 'check',
            })
    form = fields.Selection(FORMS, "Form", required=True, states=_states)
    nature = fields.Selection(NATURES, "Nature", required=True, states=_states)
    in_kind_description = fields.Text(
        "Description of the Goods",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('nature') != 'in_kind',
            'required': Eval('nature') == 'in_kind',
            })
    campaign = fields.Many2One(
        'connexion.donation.campaign', "Campaign", states=_states)
    fund = fields.Many2One(
        'connexion.donation.fund', "Dedicated Fund", states=_states,
        help="Leave empty for a gift to the general purpose.")
    tribute_type = fields.Selection([
            (None, ""),
            ('memory', "In Memory of"),
            ('honour', "In Honour of"),
            ], "Tribute", states=_states)
    tribute_name = fields.Char(
        "Tribute Name",
        states={
            'readonly': _states['readonly'],
            'invisible': ~Eval('tribute_type'),
            'required': Bool(Eval('tribute_type')),
            })
    batch = fields.Many2One(
        'connexion.donation.batch', "Deposit Slip", ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        states=_states)
    notes = fields.Text("Notes")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range()), (t.date, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state == 'draft'),
                })
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('cancelled', 'draft')}
        cls._buttons.update({
                'draft': {
                    'invisible': ((Eval('state') != 'cancelled')
                        | Bool(Eval('move'))),
                    'depends': ['state', 'move'],
                    },
                })

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_form():
        return 'manual'

    @classmethod
    def _state_locked_fields(cls):
        "What the validated gift's move and receipt were made from."
        locked = super()._state_locked_fields()
        for name in ['company', 'party', 'donor_type', 'date', 'amount',
                'currency', 'payment_method', 'check_number', 'check_bank',
                'form', 'nature', 'in_kind_description', 'campaign', 'fund',
                'tribute_type', 'tribute_name', 'batch']:
            locked[name] = {'draft'}
        return locked

    @staticmethod
    def default_nature():
        return 'cash'

    @staticmethod
    def default_donor_type():
        return 'individual'

    @fields.depends('party')
    def on_change_party(self):
        if self.party and self.party.donor_type:
            self.donor_type = self.party.donor_type

    def get_rec_name(self, name):
        return f"{self.party.rec_name} {self.date} {self.amount}"

    @classmethod
    def _outcome_fields(cls):
        """Fields recording what became of the gift's payment after its
        validation (a direct debit returned by the bank): whatever freezes
        the gift (an issued tax receipt) leaves them writable. Extended with
        super() by the modules that collect gifts."""
        return set()

    @classmethod
    def _receipt_unlocked_fields(cls):
        return super()._receipt_unlocked_fields() | cls._outcome_fields()

    def workflow_message(self, name, **kwargs):
        return gettext(f'connexion_donation.msg_donation_{name}',
            donation=self.rec_name, **kwargs)

    @classmethod
    def copy(cls, donations, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('batch')
        return super().copy(donations, default=default)

    # Accounting

    def _accounts(self, config):
        "(debit, credit) accounts of the move, or None if nothing is posted."
        if self.nature == 'in_kind':
            if not config.in_kind_posting:
                return None
            return (config.account_in_kind_use, config.account_in_kind,
                'account_in_kind_use', 'account_in_kind')
        if self.nature == 'expense_waiver':
            return (config.account_volunteer_expense,
                config.account_expense_waiver,
                'account_volunteer_expense', 'account_expense_waiver')
        if self.nature == 'income_waiver':
            return (config.account_volunteer_expense,
                config.account_income_waiver,
                'account_volunteer_expense', 'account_income_waiver')
        debit_name = {
            'cash': 'account_cash',
            'check': 'account_check',
            }.get(self.payment_method, 'account_bank')
        credit_name = ('account_patronage' if self.donor_type == 'company'
            else 'account_gift')
        return (getattr(config, debit_name), getattr(config, credit_name),
            debit_name, credit_name)

    def get_move(self):
        "The move that records the gift, not saved."
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        Currency = pool.get('currency.currency')
        config = Config(1)
        accounts = self._accounts(config)
        if accounts is None:
            return None
        debit, credit, debit_name, credit_name = accounts
        for account, name in [(debit, debit_name), (credit, credit_name)]:
            if not account:
                raise PostingError(gettext(
                        'connexion_donation.msg_missing_account',
                        field=Config.fields_get([name])[name]['string'],
                        donation=self.rec_name))
        if not config.journal:
            raise PostingError(gettext(
                    'connexion_donation.msg_missing_journal'))
        with Transaction().set_context(date=self.date):
            amount = Currency.compute(
                self.currency, self.amount, self.company.currency)
        second_currency = {}
        if self.currency != self.company.currency:
            second_currency = {'second_currency': self.currency,
                'amount_second_currency': self.amount}
        period = Period.find(self.company, date=self.date)
        description = self.party.rec_name
        lines = []
        for account, debit_, credit_ in [
                (debit, amount, Decimal(0)), (credit, Decimal(0), amount)]:
            line = Line(account=account, debit=debit_, credit=credit_,
                description=description)
            if account.party_required:
                line.party = self.party
            if second_currency:
                line.second_currency = self.currency
                line.amount_second_currency = (
                    self.amount if debit_ else -self.amount)
            lines.append(line)
        return Move(company=self.company, journal=config.journal,
            period=period, date=self.date, origin=self,
            description=description, lines=lines)

    # Workflow

    def check_validate(self):
        super().check_validate()
        if self.nature in MONEY_NATURES and not self.payment_method:
            raise DonationError(gettext(
                    'connexion_donation.msg_payment_method_required',
                    donation=self.rec_name))
        if self.payment_method == 'check' and not self.check_number:
            raise DonationError(gettext(
                    'connexion_donation.msg_check_number_required',
                    donation=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('validated')
    def validate_donation(cls, donations):
        "Post the gift: debit cash/bank (or 4681, 860), credit 754x (or 870)."
        cls.post(donations)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, donations):
        pass


class Batch(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    """Deposit slip (bordereau de remise): cheques entered together and
    validated only when their total matches the slip."""
    __name__ = 'connexion.donation.batch'

    _states = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    reference = fields.Char("Reference", states=_states)
    date = fields.Date("Date", required=True, states=_states)
    payment_method = fields.Selection(
        PAYMENT_METHODS, "Payment Method", required=True, states=_states)
    expected_amount = fields.Numeric(
        "Expected Total", digits=(16, 2), required=True, states=_states,
        help="Total written on the deposit slip.")
    expected_count = fields.Integer(
        "Expected Number", states=_states,
        help="Number of cheques on the deposit slip.")
    donations = fields.One2Many(
        'connexion.donation', 'batch', "Donations",
        domain=[('company', '=', Eval('company', -1))],
        add_remove=[('batch', '=', None), ('state', '=', 'draft')],
        states=_states)
    total = fields.Function(
        fields.Numeric("Total", digits=(16, 2)), 'on_change_with_total')
    count = fields.Function(
        fields.Integer("Number"), 'on_change_with_count')
    state = fields.Selection([
            ('draft', "Draft"),
            ('validated', "Validated"),
            ], "State", readonly=True, required=True)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'validated')}
        cls._buttons.update({
                'validate_batch': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def _state_locked_fields(cls):
        "A validated slip was checked against its gifts."
        locked = super()._state_locked_fields()
        for name in ['company', 'date', 'payment_method', 'expected_amount',
                'expected_count', 'donations']:
            locked[name] = {'draft'}
        return locked

    @staticmethod
    def default_payment_method():
        return 'check'

    @fields.depends('donations')
    def on_change_with_total(self, name=None):
        return sum((d.amount or Decimal(0) for d in self.donations),
            Decimal(0))

    @fields.depends('donations')
    def on_change_with_count(self, name=None):
        return len(self.donations)

    @classmethod
    @ModelView.button
    @Workflow.transition('validated')
    def validate_batch(cls, batches):
        "Refuse the slip unless total and number match, then post every gift."
        Donation = Pool().get('connexion.donation')
        for batch in batches:
            if batch.total != batch.expected_amount:
                raise BatchError(gettext(
                        'connexion_donation.msg_batch_total',
                        batch=batch.rec_name, total=batch.total,
                        expected=batch.expected_amount))
            if (batch.expected_count is not None
                    and batch.count != batch.expected_count):
                raise BatchError(gettext(
                        'connexion_donation.msg_batch_count',
                        batch=batch.rec_name, count=batch.count,
                        expected=batch.expected_count))
            for donation in batch.donations:
                if donation.payment_method != batch.payment_method:
                    raise BatchError(gettext(
                            'connexion_donation.msg_batch_method',
                            batch=batch.rec_name, donation=donation.rec_name))
        Donation.validate_donation([d for b in batches for d in b.donations
                if d.state == 'draft'])

    def get_rec_name(self, name):
        return self.reference or f"{self.date}"


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['connexion.donation']
