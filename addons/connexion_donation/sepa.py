"""Recurring donations collected by SEPA direct debit (prélèvement).

A plan says who gives how much and how often; its mandate (RUM) and the
creditor identifier (ICS) of the company are those of account_payment_sepa,
which also chooses the sequence type (FRST then RCUR) and writes the pain.008
file. Each month the plans due give posted donations, one payment each, all
in one payment group; donors are pre-notified by a queued e-mail; a rejected
debit cancels its donation and, after too many failures, suspends the plan.
"""
import calendar
import datetime as dt
from email.message import EmailMessage

from lxml import etree

from trytond.config import config as tconfig
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.modules.party.exceptions import EraseError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.sendmail import send_message_transactional
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from connexion_asso.formatting import format_amount, format_date
from connexion_asso.mail import mail_language
from connexion_asso.exceptions import WorkflowDeleteError
from connexion_asso.workflow import TransitionOnlyMixin

from .donation import CompanyCurrencyMixin, DonorAmountMixin
from .exceptions import DebitsHeldWarning

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
        DonorAmountMixin, TransitionOnlyMixin, CompanyCurrencyMixin, Workflow,
        ModelSQL, ModelView):
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
        return gettext(f'connexion_donation.msg_plan_{name}',
            plan=self.rec_name, **kwargs)

    @classmethod
    def check_modification(cls, mode, plans, values=None, external=False):
        super().check_modification(
            mode, plans, values=values, external=external)
        if mode == 'delete':
            for plan in plans:
                if plan.state != 'draft' or plan.donations:
                    raise WorkflowDeleteError(
                        plan.workflow_message('delete_draft'))

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
                raise ValidationError(gettext(
                        'connexion_donation.msg_plan_mandate_invalid',
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
            raise ValidationError(gettext(
                    'connexion_donation.msg_plan_no_journal'))
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


    # Erasure of a donor (party.erase, see party.py)

    @classmethod
    def end_for_erasure(cls, party):
        """Before a donor's data is erased: the plans are closed (the draft
        ones deleted) and the mandates cancelled, so no debit run selects
        them any more; the donor's name, address and IBAN leave the SEPA
        files already sent. A debit not settled yet refuses the erasure
        (check_erase_debits)."""
        pool = Pool()
        Mandate = pool.get('account.payment.sepa.mandate')
        with without_check_access():
            plans = cls.search([('party', '=', party.id)])
            cls.close([p for p in plans
                    if p.state in {'running', 'suspended'}])
            cls.delete([p for p in plans
                    if p.state == 'draft' and not p.donations])
            Mandate.cancel(Mandate.search([
                        ('party', '=', party.id),
                        ('state', 'in', ['requested', 'validated']),
                        ]))
            cls._scrub_sepa_messages(party)

    @classmethod
    def check_erase_debits(cls, party):
        """A debit sent to the bank and not settled can still be paid or
        returned with the donor's data: erasure waits for it."""
        pool = Pool()
        Payment = pool.get('account.payment')
        with without_check_access():
            payments = Payment.search([
                    ('party', '=', party.id),
                    ('state', 'not in', ['succeeded', 'failed']),
                    ], order=[('date', 'ASC'), ('id', 'ASC')])
        if payments:
            raise EraseError(gettext(
                    'connexion_donation.msg_erase_pending_debits',
                    party=party.rec_name,
                    debits=', '.join(gettext(
                            'connexion_donation.msg_erase_pending_debit',
                            amount=format_amount(p.amount, symbol=False),
                            date=format_date(p.date)
                            if p.date else '-',
                            number=p.number or p.id)
                        for p in payments)))

    @classmethod
    def _scrub_sepa_messages(cls, party):
        """Rewrite the pain.008 files of the party's debits: its debtor name
        becomes the neutral label, its postal address and IBAN go; the other
        donors' transactions are untouched."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Message = pool.get('account.payment.sepa.message')
        payments = Payment.search([
                ('party', '=', party.id), ('group', '!=', None)])
        if not payments:
            return
        ids = {str(p.id) for p in payments}
        origins = list({str(p.group) for p in payments})
        label = gettext('connexion_donation.msg_erased_description')
        for message in Message.search([('origin', 'in', origins)]):
            if not message.message:
                continue
            tree = etree.fromstring(bytes(message.message))
            changed = False
            for tx in tree.xpath('//*[local-name()="DrctDbtTxInf"]'):
                if tx.xpath('string(.//*[local-name()="EndToEndId"])') \
                        not in ids:
                    continue
                for name in tx.xpath(
                        './*[local-name()="Dbtr"]/*[local-name()="Nm"]'):
                    name.text = label
                for address in tx.xpath(
                        './*[local-name()="Dbtr"]/*[local-name()="PstlAdr"]'):
                    address.getparent().remove(address)
                for iban in tx.xpath('./*[local-name()="DbtrAcct"]'
                        '//*[local-name()="IBAN"]'):
                    iban.text = '****'
                changed = True
            if changed:
                Message.write([message], {'message': etree.tostring(
                            tree, xml_declaration=True, encoding='UTF-8')})

    @classmethod
    def own_account_numbers(cls, party_id):
        """Ids of the numbers of the bank accounts the party owns alone (a
        joint account stays for its other owner)."""
        Account = Pool().get('bank.account')
        with inactive_records():
            accounts = Account.search([('owners', '=', party_id)])
        return [n.id for a in accounts if len(a.owners) == 1
            for n in a.numbers]


class Donation(metaclass=PoolMeta):
    __name__ = 'connexion.donation'

    plan = fields.Many2One(
        'connexion.donation.plan', "Recurring Plan", readonly=True,
        ondelete='RESTRICT')
    payment = fields.Many2One(
        'account.payment', "Direct Debit", readonly=True,
        ondelete='RESTRICT')
    prenotified = fields.Date(
        "Pre-notified", readonly=True,
        help="When the donor was told of the coming debit.")
    debit_failed = fields.Boolean(
        "Debit Failed", readonly=True,
        help="The bank rejected or returned the direct debit.")

    @classmethod
    def _transition_fields(cls):
        "Set by the debit runs and the bank returns."
        return super()._transition_fields() | {
            'plan', 'payment', 'prenotified', 'debit_failed'}

    @classmethod
    def copy(cls, donations, default=None):
        default = default.copy() if default is not None else {}
        for name in ['plan', 'payment', 'prenotified']:
            default.setdefault(name)
        default.setdefault('debit_failed', False)
        return super().copy(donations, default=default)

    def get_sepa_payment(self, journal):
        "The direct debit of this gift, not saved."
        Payment = Pool().get('account.payment')
        return Payment(company=self.company, journal=journal,
            kind='receivable', party=self.party, amount=self.amount,
            date=self.date, sepa_mandate=self.plan.mandate, origin=self,
            reference=gettext('connexion_donation.msg_plan_debit_reference',
                date=self.date.strftime('%m/%Y')))

    @classmethod
    def send_prenotifications(cls, donations):
        """Queued task: tell each donor of the coming debit (amount, date,
        RUM, ICS), once per gift."""
        pool = Pool()
        Date = pool.get('ir.date')
        Message = pool.get('connexion.outbox.message')
        from_ = tconfig.get('email', 'from')
        sent, messages = [], []
        for donation in cls.browse(donations):
            if (donation.prenotified or donation.state != 'validated'
                    or not donation.plan or not donation.party.email):
                continue
            mandate = donation.plan.mandate
            try:
                ics = donation.company.party.get_sepa_identifier('eu_at_02')
                ics = ics.get('Id', '')
            except Exception:
                ics = ''
            msg = EmailMessage()
            msg['From'] = from_
            msg['To'] = donation.party.email
            # In the donor's language, not the sender's (a queue worker or
            # a user may work in another one).
            with Transaction().set_context(
                    language=mail_language(donation.party, donation.company)):
                msg['Subject'] = gettext(
                    'connexion_donation.msg_prenotification_subject',
                    date=donation.date.strftime('%d/%m/%Y'))
                msg.set_content(gettext(
                        'connexion_donation.msg_prenotification_body',
                        donor=donation.party.rec_name,
                        amount=format_amount(donation.amount, symbol=False),
                        date=donation.date.strftime('%d/%m/%Y'),
                        rum=mandate.identification or '',
                        ics=ics,
                        association=donation.company.rec_name))
            messages.append((msg, donation.party, donation))
            sent.append(donation)
        # Kept in the outbox with the stamp, sent once this commits.
        Message.enqueue(messages)
        if sent:
            cls.write(sent, {'prenotified': Date.today()})
        return sent

    @classmethod
    def debit_failed_(cls, donations):
        """The bank rejected these debits: cancel the gifts (reversing their
        move), count the failure on the plan, suspend it past the limit and
        tell the staff."""
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Plan = pool.get('connexion.donation.plan')
        config = Config(1)
        limit = config.failure_limit or 0
        cls.write(donations, {'debit_failed': True})
        cancellable = [d for d in donations
            if d.state != 'cancelled'
            and not (d.receipt and d.receipt.state == 'issued')]
        with without_check_access():
            cls.cancel(cancellable)
        lines = []
        suspended = []
        for donation in donations:
            plan = donation.plan
            if plan:
                plan.failures = (plan.failures or 0) + 1
                plan.save()
                if limit and plan.failures >= limit and plan.state == 'running':
                    suspended.append(plan)
            payment = donation.payment
            lines.append(gettext(
                    'connexion_donation.msg_debit_failed_line',
                    donation=donation.rec_name,
                    reason=(payment.sepa_return_reason_code or '-')
                    if payment else '-',
                    state=gettext(
                        'connexion_donation.msg_debit_failed_cancelled')
                    if donation in cancellable else gettext(
                        'connexion_donation.msg_debit_failed_receipted')))
        if suspended:
            Plan.suspend(suspended)
            lines.extend(gettext(
                    'connexion_donation.msg_debit_failed_suspended',
                    plan=p.rec_name, count=p.failures) for p in suspended)
        if lines and config.staff_email:
            msg = EmailMessage()
            msg['From'] = tconfig.get('email', 'from')
            msg['To'] = config.staff_email
            msg['Subject'] = gettext(
                'connexion_donation.msg_debit_failed_subject',
                count=len(donations))
            msg.set_content('\n'.join(lines))
            send_message_transactional(msg)


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['connexion.donation']

    @classmethod
    @ModelView.button
    @Workflow.transition('failed')
    def fail(cls, payments):
        """The accounting team records the bank's rejection; the gifts are
        handled whatever its rights on donations."""
        Donation = Pool().get('connexion.donation')
        super().fail(payments)
        with without_check_access():
            donations = Donation.search([
                    ('payment', 'in', [p.id for p in payments]),
                    ('debit_failed', '=', False),
                    ])
            if donations:
                Donation.debit_failed_(donations)


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
        'connexion_donation.recurring_generate_start_view_form', [
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
            raise ValidationError(gettext(
                    'connexion_donation.msg_plan_notice_too_short',
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
                        'connexion_donation.msg_plan_held',
                        donors=', '.join(p.party.rec_name for p in held)))
        group = Plan.generate(self.start.date, plans=plans)
        if not group:
            raise ValidationError(gettext(
                    'connexion_donation.msg_plan_nothing_due',
                    date=self.start.date.strftime('%d/%m/%Y')))
        self._group = group.id
        return 'open_'

    def do_open_(self, action):
        return action, {'res_id': [self._group]}


class OutboxMessage(metaclass=PoolMeta):
    __name__ = 'connexion.outbox.message'

    @classmethod
    def _get_origin(cls):
        "Pre-notifications of debits."
        return super()._get_origin() + ['connexion.donation']
