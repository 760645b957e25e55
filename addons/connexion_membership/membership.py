"""Memberships (adhésions): a fee paid for a calendar year or a rolling
period, posted on 756 like a gift is posted on 754x, with renewal reminders
and withdrawal."""
import datetime as dt
from email.message import EmailMessage

from trytond.config import config as tconfig
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from connexion_account_asso.chart import template_account
from connexion_asso.formatting import format_amount
from connexion_asso.mail import mail_language
from connexion_asso.workflow import PostingWorkflowMixin

from connexion_donation.configuration import account_field
from connexion_donation.donation import (
    PAYMENT_METHODS, CompanyCurrencyMixin, Donation, ReceiptedMixin)

from .exceptions import (
    MembershipPaymentError, MembershipTypeError, WithdrawalError)

STATUSES = [
    (None, ""),
    ('pending', "Pending"),
    ('active', "Active"),
    ('expired', "Expired"),
    ('withdrawn', "Withdrawn"),
    ('cancelled', "Cancelled"),
    ]
# Configuration field → account code, filled with the association accounts.
def add_months(date, months):
    "Same day months later (or the month's last day)."
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for day in range(date.day, 27, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return dt.date(year, month, min(date.day, 28))


class Configuration(metaclass=PoolMeta):
    __name__ = 'connexion.donation.configuration'

    account_membership = account_field(
        "Membership Fees Account",
        help="Credited for fees without counterpart (7561).")
    account_membership_counterpart = account_field(
        "Membership Fees with Counterpart Account",
        help="Credited for fees that give a counterpart to the member "
        "(7562).")
    reminder_days_before = fields.Integer(
        "Reminder Days Before",
        help="Members are reminded this many days before their membership "
        "ends.")
    reminder_days_after = fields.Integer(
        "Reminder Days After",
        help="Members who did not renew are reminded this many days after "
        "their membership ended.")

    @classmethod
    def default_account_membership(cls):
        return template_account('connexion_account_asso.7561')

    @classmethod
    def default_account_membership_counterpart(cls):
        return template_account('connexion_account_asso.7562')

    @classmethod
    def default_reminder_days_before(cls):
        return 30

    @classmethod
    def default_reminder_days_after(cls):
        return 15


class MembershipType(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.membership.type'
    __string__ = "Membership Type"

    name = fields.Char("Name", required=True, translate=True)
    fee = fields.Numeric("Fee", digits=(16, 2), required=True)
    period = fields.Selection([
            ('yearly', "Calendar Year"),
            ('rolling', "Rolling Period"),
            ], "Period", required=True,
        help="Calendar year: the membership ends on 31 December; rolling: "
        "it lasts the duration from the day it starts.")
    duration = fields.Integer(
        "Duration (Months)",
        states={
            'invisible': Eval('period') != 'rolling',
            'required': Eval('period') == 'rolling',
            })
    with_counterpart = fields.Boolean(
        "With Counterpart",
        help="The member gets goods or services for the fee (magazine, "
        "access…): the fee is not a gift and gives no tax receipt.")
    receiptable = fields.Function(
        fields.Boolean("Gives a Tax Receipt"), 'on_change_with_receiptable')

    @classmethod
    def default_period(cls):
        return 'yearly'

    @classmethod
    def default_duration(cls):
        return 12

    @classmethod
    def default_with_counterpart(cls):
        return False

    @fields.depends('with_counterpart')
    def on_change_with_receiptable(self, name=None):
        return not self.with_counterpart

    @classmethod
    def validate_fields(cls, types, field_names):
        super().validate_fields(types, field_names)
        for type_ in types:
            if type_.fee is not None and type_.fee < 0:
                raise MembershipTypeError(gettext(
                        'connexion_membership.msg_membership_fee_positive',
                        type=type_.rec_name))
            if type_.period == 'rolling' and (type_.duration or 0) <= 0:
                raise MembershipTypeError(gettext(
                        'connexion_membership.msg_membership_duration',
                        type=type_.rec_name))

    def end_date(self, start_date):
        "Last day of a membership of this type starting on start_date."
        if self.period == 'yearly':
            return dt.date(start_date.year, 12, 31)
        return add_months(start_date, self.duration) - dt.timedelta(days=1)


class Membership(
        ReceiptedMixin, PostingWorkflowMixin, CompanyCurrencyMixin, Workflow,
        ModelSQL, ModelView):
    """Membership of a person or an organisation for a period; the fee is
    posted on 756 when the membership is validated."""
    __name__ = 'connexion.membership'
    __string__ = "Membership"
    _validate_button = 'validate_membership'

    _states = {'readonly': Eval('state') != 'draft'}
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    party = fields.Many2One(
        'party.party', "Member", required=True, states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    type = fields.Many2One(
        'connexion.membership.type', "Type", required=True, states=_states)
    start_date = fields.Date("Start Date", required=True, states=_states)
    end_date = fields.Date(
        "End Date", required=True, states=_states,
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())])
    date = fields.Date(
        "Payment Date", required=True, states=_states,
        help="Date the fee was paid, date of its accounting move.")
    amount = Monetary(
        "Fee", currency='currency', digits='currency', required=True,
        states=_states)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, states=_states)
    payment_method = fields.Selection(
        PAYMENT_METHODS, "Payment Method", states={
            'readonly': _states['readonly'],
            'required': Eval('state') == 'validated',
            })
    receiptable = fields.Function(
        fields.Boolean("Gives a Tax Receipt"), 'get_receiptable')
    status = fields.Function(
        fields.Selection(STATUSES, "Status"), 'get_status',
        searcher='search_status')
    withdrawal_date = fields.Date("Withdrawal Date", readonly=True)
    withdrawal_reason = fields.Text(
        "Withdrawal Reason", readonly=True,
        states={'invisible': ~Eval('withdrawal_date')})
    reminder_before = fields.Date(
        "Reminded Before End", readonly=True,
        help="When the member was reminded to renew before the end.")
    reminder_after = fields.Date(
        "Reminded After End", readonly=True,
        help="When the member was reminded after the end.")
    notes = fields.Text("Notes")
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        cls._buttons.update({
                'withdraw': {
                    'invisible': ((Eval('state') != 'validated')
                        | Bool(Eval('withdrawal_date'))),
                    'depends': ['state', 'withdrawal_date'],
                    },
                })

    @staticmethod
    def default_start_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @classmethod
    def _transition_fields(cls):
        "Withdrawing and reminding stamp the membership."
        return super()._transition_fields() | {
            'withdrawal_date', 'withdrawal_reason', 'reminder_before',
            'reminder_after'}

    @classmethod
    def _receipt_unlocked_fields(cls):
        "The follow-up of a receipted fee goes on."
        return super()._receipt_unlocked_fields() | {
            'withdrawal_date', 'withdrawal_reason', 'reminder_before',
            'reminder_after'}

    @classmethod
    def _state_locked_fields(cls):
        "What the validated fee's move was made from."
        locked = super()._state_locked_fields()
        for name in ['company', 'party', 'type', 'start_date', 'end_date',
                'date', 'amount', 'currency', 'payment_method']:
            locked[name] = {'draft'}
        return locked

    @fields.depends('type', 'start_date', 'amount')
    def on_change_type(self):
        if self.type:
            if self.amount is None:
                self.amount = self.type.fee
            if self.start_date:
                self.end_date = self.type.end_date(self.start_date)

    @fields.depends('type', 'start_date')
    def on_change_start_date(self):
        if self.type and self.start_date:
            self.end_date = self.type.end_date(self.start_date)

    @classmethod
    def preprocess_values(cls, mode, values):
        "Fee and end date from the type when not given."
        MembershipType = Pool().get('connexion.membership.type')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('type'):
            type_ = MembershipType(values['type'])
            values.setdefault('amount', type_.fee)
            if values.get('start_date') is None:
                values['start_date'] = cls.default_start_date()
            if not values.get('end_date'):
                values['end_date'] = type_.end_date(values['start_date'])
        return values

    def get_rec_name(self, name):
        return (f"{self.party.rec_name} {self.type.rec_name} "
            f"{self.start_date:%d/%m/%Y}")

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    def get_receiptable(self, name):
        return not self.type.with_counterpart

    def get_status(self, name):
        today = Pool().get('ir.date').today()
        if self.state == 'cancelled':
            return 'cancelled'
        if self.withdrawal_date and self.withdrawal_date <= today:
            return 'withdrawn'
        if self.state == 'draft':
            return 'pending'
        if self.end_date < today:
            return 'expired'
        if self.start_date > today:
            return 'pending'
        return 'active'

    @classmethod
    def search_status(cls, name, clause):
        today = Pool().get('ir.date').today()
        _, operator, value = clause[:3]
        not_withdrawn = ['OR', ('withdrawal_date', '=', None),
            ('withdrawal_date', '>', today)]
        domains = {
            'cancelled': [('state', '=', 'cancelled')],
            'withdrawn': [('state', '!=', 'cancelled'),
                ('withdrawal_date', '<=', today)],
            'pending': [not_withdrawn, ['OR', ('state', '=', 'draft'),
                    [('state', '=', 'validated'),
                        ('start_date', '>', today)]]],
            'expired': [not_withdrawn, ('state', '=', 'validated'),
                ('end_date', '<', today)],
            'active': [not_withdrawn, ('state', '=', 'validated'),
                ('start_date', '<=', today), ('end_date', '>=', today)],
            }
        values = value if operator in {'in', 'not in'} else [value]
        domain = ['OR'] + [domains[v] for v in values if v in domains]
        if operator in {'!=', 'not in'}:
            return ['NOT', domain] if len(domain) > 1 else []
        return domain if len(domain) > 1 else [('id', '=', -1)]

    def workflow_message(self, name, **kwargs):
        return gettext(f'connexion_membership.msg_membership_{name}',
            membership=self.rec_name, **kwargs)

    # Accounting: the move is built by the donation's own code.

    def _accounts(self, config):
        """(debit, credit) accounts and their settings' names, or None if
        nothing is posted (a free membership)."""
        if not self.amount:
            return None
        debit_name = {
            'cash': 'account_cash',
            'check': 'account_check',
            }.get(self.payment_method, 'account_bank')
        credit_name = ('account_membership_counterpart'
            if self.type.with_counterpart else 'account_membership')
        return (getattr(config, debit_name), getattr(config, credit_name),
            debit_name, credit_name)

    get_move = Donation.get_move

    @classmethod
    @ModelView.button
    @Workflow.transition('validated')
    def validate_membership(cls, memberships):
        "Post the fee: debit cash/cheques/bank, credit 7561 or 7562."
        cls.post(memberships)

    def check_validate(self):
        super().check_validate()
        if not self.payment_method:
            raise MembershipPaymentError(gettext(
                    'connexion_membership.msg_membership_payment_method',
                    membership=self.rec_name))

    @classmethod
    @ModelView.button_action('connexion_membership.wizard_membership_withdraw')
    def withdraw(cls, memberships):
        pass

    @classmethod
    def to_remind(cls, date):
        """(memberships to remind before their end, after their end) on
        date: validated, not withdrawn, not renewed, not yet reminded."""
        Config = Pool().get('connexion.donation.configuration')
        config = Config(1)
        before = config.reminder_days_before or 0
        after = config.reminder_days_after or 0
        common = [
            ('state', '=', 'validated'),
            ('withdrawal_date', '=', None),
            ]
        soon = cls.search(common + [
                ('reminder_before', '=', None),
                ('end_date', '>=', date),
                ('end_date', '<=', date + dt.timedelta(days=before)),
                ]) if before else []
        late = cls.search(common + [
                ('reminder_after', '=', None),
                ('end_date', '<=', date - dt.timedelta(days=after)),
                # Older lapses are not chased when reminders are set up.
                ('end_date', '>', date - dt.timedelta(days=after + 90)),
                ]) if after else []
        return ([m for m in soon if not m.renewed()],
            [m for m in late if not m.renewed()])

    def renewed(self):
        "Whether the member already has a membership ending later."
        return bool(self.search([
                    ('party', '=', self.party.id),
                    ('company', '=', self.company.id),
                    ('state', '!=', 'cancelled'),
                    ('end_date', '>', self.end_date),
                    ], limit=1))

    @classmethod
    def send_reminders(cls, date=None):
        """Cron: remind members to renew, before and after the end of their
        membership, once each; returns the memberships reminded."""
        date = date or Pool().get('ir.date').today()
        soon, late = cls.to_remind(date)
        messages = []
        for membership, key in ([(m, 'before') for m in soon]
                + [(m, 'after') for m in late]):
            message = membership._reminder(key)
            if message:
                messages.append((message, membership.party, membership))
        # Kept in the outbox with the stamps, sent once this commits.
        Pool().get('connexion.outbox.message').enqueue(messages)
        cls.write(soon, {'reminder_before': date})
        cls.write(late, {'reminder_after': date})
        return soon + late

    def _reminder(self, key):
        "The reminder e-mail (key: before or after the end), if any address."
        if not self.party.email:
            return
        msg = EmailMessage()
        msg['From'] = tconfig.get('email', 'from')
        msg['To'] = self.party.email
        with Transaction().set_context(
                language=mail_language(self.party, self.company)):
            msg['Subject'] = gettext(
                f'connexion_membership.msg_membership_reminder_{key}_subject')
            msg.set_content(gettext(
                    f'connexion_membership.msg_membership_reminder_{key}_body',
                    member=self.party.rec_name, type=self.type.rec_name,
                    date=self.end_date.strftime('%d/%m/%Y'),
                    fee=format_amount(self.type.fee, symbol=False),
                    association=self.company.rec_name))
        return msg


class WithdrawStart(ModelView):
    __name__ = 'connexion.membership.withdraw.start'
    __string__ = "Withdraw Membership"

    date = fields.Date("Date", required=True)
    reason = fields.Text("Reason", required=True)

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()


class Withdraw(Wizard):
    "Record that a member leaves the association, and why."
    __name__ = 'connexion.membership.withdraw'
    __string__ = "Withdraw Membership"

    start = StateView('connexion.membership.withdraw.start',
        'connexion_membership.membership_withdraw_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Withdraw", 'withdraw', 'tryton-ok', default=True),
            ])
    withdraw = StateTransition()

    def transition_withdraw(self):
        Membership = Pool().get('connexion.membership')
        memberships = [m for m in self.records if m.state == 'validated']
        if not self.start.reason.strip():
            raise WithdrawalError(gettext(
                    'connexion_membership.msg_membership_withdrawal_reason'))
        Membership.write(memberships, {
                'withdrawal_date': self.start.date,
                'withdrawal_reason': self.start.reason,
                })
        return 'end'


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    memberships = fields.One2Many(
        'connexion.membership', 'party', "Memberships", readonly=True)
    member_status = fields.Function(
        fields.Selection(STATUSES, "Member Status"), 'get_member_status')

    @classmethod
    def get_member_status(cls, parties, name):
        """Active when a membership runs today, else the status of the
        latest membership (withdrawn or expired), else empty."""
        Membership = Pool().get('connexion.membership')
        result = {p.id: None for p in parties}
        memberships = Membership.search([
                ('party', 'in', [p.id for p in parties]),
                ('state', '=', 'validated'),
                ], order=[('end_date', 'ASC'), ('id', 'ASC')])
        for membership in memberships:
            status = membership.status
            party = membership.party.id
            if result[party] == 'active' and status != 'withdrawn':
                continue
            if status != 'pending' or result[party] is None:
                result[party] = status
        return result


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['connexion.membership']


class OutboxMessage(metaclass=PoolMeta):
    __name__ = 'connexion.outbox.message'

    @classmethod
    def _get_origin(cls):
        "Renewal reminders."
        return super()._get_origin() + ['connexion.membership']
