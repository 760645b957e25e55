"""The direct debit of each gift of a recurring plan: its payment, the
donor's pre-notification (a queued e-mail) and the bank's rejection, which
cancels the gift and, after too many failures, suspends the plan."""
from email.message import EmailMessage

from trytond.config import config as tconfig
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access

from connexion_asso.formatting import format_amount
from connexion_asso.mail import mail_language


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
    def _outcome_fields(cls):
        """The bank may return the debit of a gift already receipted: the
        rejection is recorded on it (the staff handle the receipt)."""
        return super()._outcome_fields() | {'debit_failed'}

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
            reference=gettext(
                'connexion_donation_sepa.msg_plan_debit_reference',
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
                    'connexion_donation_sepa.msg_prenotification_subject',
                    date=donation.date.strftime('%d/%m/%Y'))
                msg.set_content(gettext(
                        'connexion_donation_sepa.msg_prenotification_body',
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
        # Cancelled by the gifts' own workflow (PostingWorkflowMixin), which
        # reverses the move; a gift whose workflow refuses it (covered by
        # an issued tax receipt) stays, with the reason for the staff.
        kept = {}
        for donation in donations:
            if donation.state != 'cancelled':
                try:
                    cls.check_cancel([donation])
                except UserError as error:
                    kept[donation] = error.message.rstrip('.')
        cancellable = [d for d in donations
            if d.state != 'cancelled' and d not in kept]
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
                    'connexion_donation_sepa.msg_debit_failed_line',
                    donation=donation.rec_name,
                    reason=(payment.sepa_return_reason_code or '-')
                    if payment else '-',
                    state=gettext(
                        'connexion_donation_sepa.msg_debit_failed_kept',
                        why=kept[donation]) if donation in kept else gettext(
                        'connexion_donation_sepa.msg_debit_failed_cancelled')))
        if suspended:
            Plan.suspend(suspended)
            lines.extend(gettext(
                    'connexion_donation_sepa.msg_debit_failed_suspended',
                    plan=p.rec_name, count=p.failures) for p in suspended)
        if lines and config.staff_email:
            msg = EmailMessage()
            msg['From'] = tconfig.get('email', 'from')
            msg['To'] = config.staff_email
            msg['Subject'] = gettext(
                'connexion_donation_sepa.msg_debit_failed_subject',
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


class OutboxMessage(metaclass=PoolMeta):
    __name__ = 'connexion.outbox.message'

    @classmethod
    def _get_origin(cls):
        "Pre-notifications of debits."
        return super()._get_origin() + ['connexion.donation']
