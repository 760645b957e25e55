"""Recurring donations collected by SEPA direct debit (prélèvement).

A plan says who gives how much and how often; its mandate (RUM) and the
creditor identifier (ICS) of the company are those of account_payment_sepa,
which also chooses the sequence type (FRST then RCUR) and writes the pain.008
file. Each month the plans due give posted donations, one payment each, all
in one payment group. The debit of each gift (pre-notification, rejection)
is in sepa_debit.py, the erasure of a donor's SEPA data in sepa_erasure.py.
"""
import calendar
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from connexion_asso.workflow import DraftDeleteMixin, TransitionOnlyMixin

from connexion_donation.donation import (
    CompanyCurrencyMixin, DonorAmountMixin)

from .exceptions import DebitsHeldWarning, PlanError

PERIODICITIES = [
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
    ('yearly', "Yearly"),
    ]
MONTHS = {'monthly': 1, 'quarterly': 3, 'yearly': 12}


def month_bounds(date):
    "First and last day of the month of date."
    last = calendar.monthrange(date.year, date.month)[1]
    return date.replace(day=1), date.replace(day=last)


class Configuration(metaclass=PoolMeta):
    __name__ = 'connexion.donation.configuration'

    sepa_journal = fields.Many2One(
        'account.payment.journal', "Direct Debit Journal",
        domain=[('process_method', '=', 'sepa')],
        help="SEPA payment journal of the association's bank account, used "
        "to collect the recurring donations.")
    collection_day = fields.Integer(
        "Collection Day",
        domain=['OR', ('collection_day', '=', None),
            [('collection_day', '>=', 1), ('collection_day', '<=', 28)]],
        help="Day of the month on which recurring donations are debited.")
    prenotification_days = fields.Integer(
        "Pre-notification Days",
        help="Donors are told of each debit at least this many days before "
        "(14 days unless the mandate agreed otherwise).")
    failure_limit = fields.Integer(
        "Failures Before Suspension",
        help="A plan is suspended after this many failed debits.")
    staff_email = fields.Char(
        "Staff E-mail", help="Warned when a direct debit fails.")

    @classmethod
    def default_collection_day(cls):
        return 5

    @classmethod
    def default_prenotification_days(cls):
        return 14

    @classmethod
    def default_failure_limit(cls):
        return 2

    def next_collection_date(self, today):
        "First collection day that leaves the pre-notification delay."
        earliest = today + dt.timedelta(days=self.prenotification_days or 0)
        day = self.collection_day or 5
        date = earliest.replace(day=day)
        if date < earliest:
            date = (earliest.replace(day=28) + dt.timedelta(days=4)).replace(
                day=day)
        return date


class Plan(
        DonorAmountMixin, DraftDeleteMixin, TransitionOnlyMixin,
        CompanyCurrencyMixin, Workflow, ModelSQL, ModelView):
    """Recurring donation plan: a donor gives a fixed amount by SEPA
    direct debit every month, quarter or year under a mandate."""
    __name__ = 'connexion.donation.plan'
    __string__ = "Recurring Donation Plan"

    _states = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    party = fields.Many2One(
        'party.party', "Donor", required=True, states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        states=_states)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states)
    periodicity = fields.Selection(
        PERIODICITIES, "Periodicity", required=True, states=_states)
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date",
        domain=[If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')), ())],
        states={'readonly': Eval('state') == 'closed'})
    campaign = fields.Many2One(
        'connexion.donation.campaign', "Campaign",
        states={'readonly': Eval('state') == 'closed'})
    fund = fields.Many2One(
        'connexion.donation.fund', "Dedicated Fund",
        states={'readonly': Eval('state') == 'closed'},
        help="Leave empty for gifts to the general purpose.")
    mandate = fields.Many2One(
        'account.payment.sepa.mandate', "Mandate", required=True,
        ondelete='RESTRICT',
        domain=[
            ('party', '=', Eval('party', -1)),
            ('company', '=', Eval('company', -1)),
            If(Eval('state') == 'draft', ('state', '=', 'validated'), ()),
            ],
        states=_states,
        help="Signed SEPA mandate of the donor (its RUM identifies it).")
    postal_notice = fields.Date("Schedule Sent by Post",
        help="Day the donor was sent by post the schedule of the debits "
        "(amounts and dates), which pre-notifies them. A donor without "
        "e-mail address and without it is not debited: the debits are "
        "held.")
    failures = fields.Integer(
        "Failed Debits", readonly=True,
        help="Failed debits since the plan was started or resumed.")
    donations = fields.One2Many(
        'connexion.donation', 'plan', "Donations", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('running', "Running"),
            ('suspended', "Suspended"),
            ('closed', "Closed"),
            ], "State", readonly=True, required=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('party.name', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'running'),
            ('running', 'suspended'),
            ('suspended', 'running'),
            ('running', 'closed'),
            ('suspended', 'closed'),
            }
        cls._buttons.update({
                'start': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'suspend': {
                    'invisible': Eval('state') != 'running',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'suspended',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': ~Eval('state').in_(['running', 'suspended']),
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_periodicity():
        return 'monthly'

    @classmethod
    def _transition_fields(cls):
        "Failed debits are counted by the bank returns, reset on resuming."
        return super()._transition_fields() | {'failures'}

    @classmethod
    def _state_locked_fields(cls):
        "A started plan debits what it was started with."
        locked = super()._state_locked_fields()
        for name in ['company', 'party', 'amount', 'currency', 'periodicity',
                'start_date', 'mandate']:
            locked[name] = {'draft'}
        return locked

    @staticmethod
    def default_start_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_failures():
        return 0

    @fields.depends('party', 'company', 'mandate')
    def on_change_party(self):
        if self.party and not self.mandate:
            for mandate in self.party.sepa_mandates:
                if (mandate.state == 'validated'
                        and mandate.company == self.company):
                    self.mandate = mandate
                    break

    def get_rec_name(self, name):
        return f"{self.party.rec_name} {self.amount} ({self.periodicity})"

    def workflow_message(self, name, **kwargs):
        return gettext(f'connexion_donation_sepa.msg_plan_{name}',
            plan=self.rec_name, **kwargs)

    def _delete_blocked(self):
        "Its gifts keep their plan."
        return super()._delete_blocked() or bool(self.donations)

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('donations', None)
        default.setdefault('failures', 0)
        return super().copy(plans, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def start(cls, plans):
        cls._check_mandate(plans)

    @classmethod
    def _check_mandate(cls, plans):
        for plan in plans:
            if not plan.mandate.is_valid:
                raise PlanError(gettext(
                        'connexion_donation_sepa.msg_plan_mandate_invalid',
                        plan=plan.rec_name, mandate=plan.mandate.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('suspended')
    def suspend(cls, plans):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def resume(cls, plans):
        cls._check_mandate(plans)
        cls.write(plans, {'failures': 0})

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, plans):
        Date = Pool().get('ir.date')
        today = Date.today()
        cls.write([p for p in plans if not p.end_date or p.end_date > today],
            {'end_date': today})

    def is_due(self, date):
        """Whether the plan is collected on date: the first collection is
        the first collection day from the start date, then one every 1, 3 or
        12 months."""
        if date < self.start_date or (self.end_date and date > self.end_date):
            return False
        start = self.start_date
        first = start.year * 12 + start.month + (start.day > date.day)
        months = date.year * 12 + date.month - first
        return months >= 0 and months % MONTHS[self.periodicity] == 0

    @property
    def prenotifiable(self):
        "The donor is told of each debit: by e-mail, or by the schedule sent."
        return bool(self.party.email or self.postal_notice)

    def get_donation(self, date):
        "The gift of this plan collected on date, not saved."
        Donation = Pool().get('connexion.donation')
        return Donation(company=self.company, party=self.party,
            donor_type=self.party.donor_type or 'individual',
            date=date, amount=self.amount, currency=self.currency,
            payment_method='direct_debit', form='manual', nature='cash',
            campaign=self.campaign, fund=self.fund, plan=self,
            prenotified=(self.postal_notice
                if not self.party.email else None))

    @classmethod
    def held(cls, date, plans=None):
        """The plans due on date whose donor cannot be pre-notified (no
        e-mail, no schedule sent by post): their debits are held."""
        return [p for p in cls._due(date, plans) if not p.prenotifiable]

    @classmethod
    def _due(cls, date, plans=None):
        "The running plans due on date without their gift of the month."
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Donation = pool.get('connexion.donation')
        journal = Config(1).sepa_journal
        if not journal:
            raise PlanError(gettext(
                    'connexion_donation_sepa.msg_plan_no_journal'))
        if plans is None:
            plans = cls.search([
                    ('state', '=', 'running'),
                    ('company', '=', journal.company.id),
                    ('start_date', '<=', date),
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', date)],
                    ])
        first, last = month_bounds(date)
        done = {d.plan for d in Donation.search([
                    ('plan', 'in', [p.id for p in plans]),
                    ('date', '>=', first), ('date', '<=', last),
                    ])}
        return [p for p in plans
            if p.state == 'running' and p.company == journal.company
            and p not in done and p.is_due(date)]

    @classmethod
    def generate(cls, date, plans=None):
        """Create, post and put in one direct debit group the gifts of the
        running plans due on date; returns the payment group or None.

        A plan gives at most one gift per month, so running it twice (or the
        cron every day) charges nobody twice."""
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Donation = pool.get('connexion.donation')
        Payment = pool.get('account.payment')
        Group = pool.get('account.payment.group')
        config = Config(1)
        journal = config.sepa_journal
        # A donor who cannot be pre-notified is not debited (held).
        donations = [p.get_donation(date) for p in cls._due(date, plans)
            if p.prenotifiable]
        if not donations:
            return None
        Donation.save(donations)
        Donation.validate_donation(donations)
        payments = [d.get_sepa_payment(journal) for d in donations]
        with without_check_access():
            Payment.save(payments)
            Payment.submit(payments)

            def new_group():
                group = Group(company=journal.company, journal=journal,
                    kind='receivable')
                group.save()
                return group
            group = Payment.process(payments, new_group)
        for donation, payment in zip(donations, payments):
            donation.payment = payment
        Donation.save(donations)
        Donation.__queue__.send_prenotifications(donations)
        return group

    @classmethod
    def generate_cron(cls):
        "Cron: prepare the next collection once it is within the notice."
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Date = pool.get('ir.date')
        config = Config(1)
        if config.sepa_journal:
            with Transaction().set_context(
                    company=config.sepa_journal.company.id):
                cls.generate(config.next_collection_date(Date.today()))


class GenerateStart(ModelView):
    __name__ = 'connexion.donation.plan.generate.start'
    __string__ = "Generate Direct Debits"

    date = fields.Date(
        "Collection Date", required=True,
        help="Day the donors' accounts are debited.")

    @classmethod
    def default_date(cls):
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Date = pool.get('ir.date')
        return Config(1).next_collection_date(Date.today())


class Generate(Wizard):
    """Create the gifts of the running plans due on a date and the SEPA
    direct debit file (pain.008) of their payment group."""
    __name__ = 'connexion.donation.plan.generate'
    __string__ = "Generate Direct Debits"

    start = StateView('connexion.donation.plan.generate.start',
        'connexion_donation_sepa.recurring_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateTransition()
    open_ = StateAction('account_payment.act_payment_group_form')

    def transition_generate(self):
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Date = pool.get('ir.date')
        Plan = pool.get('connexion.donation.plan')
        config = Config(1)
        earliest = Date.today() + dt.timedelta(
            days=config.prenotification_days or 0)
        if self.start.date < earliest:
            raise PlanError(gettext(
                    'connexion_donation_sepa.msg_plan_notice_too_short',
                    date=self.start.date.strftime('%d/%m/%Y'),
                    days=config.prenotification_days))
        plans = None
        if (self.model and self.model.__name__ == Plan.__name__
                and self.records):
            plans = list(self.records)
        held = Plan.held(self.start.date, plans=plans)
        if held:
            Warning = pool.get('res.user.warning')
            key = Warning.format('sepa_held', held)
            if Warning.check(key):
                raise DebitsHeldWarning(key, gettext(
                        'connexion_donation_sepa.msg_plan_held',
                        donors=', '.join(p.party.rec_name for p in held)))
        group = Plan.generate(self.start.date, plans=plans)
        if not group:
            raise PlanError(gettext(
                    'connexion_donation_sepa.msg_plan_nothing_due',
                    date=self.start.date.strftime('%d/%m/%Y')))
        self._group = group.id
        return 'open_'

    def do_open_(self, action):
        return action, {'res_id': [self._group]}
