"""The tax receipt by e-mail, a kind of donor automation that exists only
where connexion_tax_receipt is activated (registered under
[register connexion_tax_receipt]).

Its receipts go through connexion_tax_receipt's e-mail queue, the only
sender of receipts (it renders, attaches the PDF, sends and marks them
e-mailed), so a receipt is e-mailed once whether the automation or the
finance team's wizard queued it first. The automation only picks the
consenting donors and gives the text."""
from genshi.template import MarkupTemplate

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools.email_ import set_from_header

from connexion_asso.formatting import format_amount, format_date
from connexion_asso.outbox import TO_SEND

from .automation import NAMES


def receipt_values(receipts):
    "What the text of an automation may print of the receipts it sends."
    return {
        'receipt_number': ", ".join(r.number for r in receipts),
        'year': ", ".join(sorted({str(r.date_end.year) for r in receipts})),
        'amount': format_amount(sum(r.amount for r in receipts)),
        'date': format_date(max(r.issue_date for r in receipts)),
        }


class Automation(metaclass=PoolMeta):
    __name__ = 'connexion.marketing.automation'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.kind.selection.append(('receipt', "Tax Receipt by E-mail"))

    @classmethod
    def send_pending(cls, automations):
        "The receipts queued, by an automation or the wizard, are sent too."
        super().send_pending(automations)
        if any(a.kind == 'receipt' for a in automations):
            Receipt = Pool().get('connexion.donation.receipt')
            queued = Receipt.search([('email_state', 'in', TO_SEND)])
            if queued:
                Receipt.__queue__.send_queued(queued)

    def queue_due(self, date=None):
        "Tax receipts: the list of those queued in the receipt e-mail queue."
        if self.kind == 'receipt':
            return self._queue_receipts(
                date or Pool().get('ir.date').today())
        return super().queue_due(date=date)

    def _queue_receipts(self, date):
        """Queue in connexion_tax_receipt's receipt e-mail queue the receipts
        issued since the start and never queued, of the donors who consent;
        return them."""
        pool = Pool()
        Campaign = pool.get('connexion.marketing.campaign')
        Receipt = pool.get('connexion.donation.receipt')
        receipts = Receipt.search([
                ('state', '=', 'issued'),
                ('email_state', '=', None),
                ('issue_date', '>=', self.start_date),
                ('issue_date', '<=', date),
                ])
        if not receipts:
            return []
        filter_ = Campaign(purpose=self.purpose, segment='automation')
        emails = filter_.eligible_emails({r.party.id for r in receipts})
        receipts = [r for r in receipts if r.party.id in emails]
        if receipts:
            Receipt.write(receipts, {'email_automation': self.id})
        queued, _ = Receipt.queue_email(receipts,
            addresses={r.id: emails[r.party.id] for r in receipts})
        return queued

    def receipt_content(self, receipt):
        "(subject, HTML) of the e-mail of a receipt queued by the automation."
        from .campaign import preferences_url
        values = dict.fromkeys(
            ['name', 'preferences_url', 'unsubscribe_url'] + NAMES)
        values.update(receipt_values([receipt]))
        values['name'] = receipt.donor_name
        # The preferences page is where the donor withdraws consent.
        values['preferences_url'] = values['unsubscribe_url'] = (
            preferences_url(receipt.party.id))
        html = MarkupTemplate(self.content).generate(**values).render()
        return self.subject, html


class AutomationItem(metaclass=PoolMeta):
    "A receipt is an origin only where connexion_tax_receipt is activated."
    __name__ = 'connexion.marketing.automation.item'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.origin.selection.append(
            ('connexion.donation.receipt', "Tax Receipt"))


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    email_automation = fields.Many2One(
        'connexion.marketing.automation', "E-mail Automation", readonly=True,
        ondelete='RESTRICT',
        help="The donor automation that queued the e-mail, with its text.")

    def email_message(self, sender, pdf):
        message = super().email_message(sender, pdf)
        if self.email_automation and self.email_automation.from_:
            del message['From']
            set_from_header(message, sender, self.email_automation.from_)
        return message

    def _email_content(self):
        subject, text, html = super()._email_content()
        if self.email_automation:
            subject, html = self.email_automation.receipt_content(self)
        return subject, text, html
