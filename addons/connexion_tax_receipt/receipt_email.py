"""Tax receipts sent by e-mail, the PDF attached, through the outbox.

The only way receipts are e-mailed (the wizard, the cron and the donor
automations of connexion_marketing all use this queue). The receipts to send are marked
pending first, then go through connexion_asso's outbox: each one recorded as
handed over before it leaves and as sent once the SMTP server accepted it,
so that after an SMTP failure or a crash, sending again picks up the
receipts still pending (and the one in doubt, with the same Message-ID):
no donor gets the same receipt twice."""
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from connexion_asso.outbox import Outbox, message_id
from connexion_asso.smtp_delivery import as_bytes

from .exceptions import ReceiptEmailError

# Receipts rendered at a time, while the outbox sends the previous ones.
BATCH = 20
# Receipts sent by one queued task: the rest go in the task it queues, so
# that a task (and its transaction) stays short.
CHUNK = 500


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    email_state = fields.Selection([
            (None, ""),
            ('pending', "Queued"),
            ('handed', "Handed Over"),
            ('sent', "Sent"),
            ('failed', "Refused"),
            ], "E-mail", readonly=True,
        help="Handed over: given to the mail server when a sending stopped, "
        "without its answer; sent again with the same Message-ID, which "
        "mail clients fold into one.")
    email_address = fields.Char("E-mail Address", readonly=True)
    email_date = fields.DateTime("E-mailed at", readonly=True)
    email_error = fields.Char(
        "E-mail Error", readonly=True,
        states={'invisible': ~Eval('email_error')})

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        # Migration: 'queued' is the outbox's 'pending' since the outbox.
        cursor.execute(*table.update([table.email_state], ['pending'],
                where=table.email_state == 'queued'))

    @classmethod
    def queue_email(cls, receipts, addresses=None):
        """Queue the issued receipts not e-mailed (nor queued) yet whose
        donor has an e-mail address (or the one given in addresses, {receipt
        id: address}); return (queued, left out for want of an address).

        This queue is the only way receipts are e-mailed: the wizard, the
        cron and the donor automations of connexion_marketing all feed it."""
        to_queue, without, to_write = [], [], []
        for receipt in receipts:
            if (receipt.state != 'issued'
                    or receipt.email_state in {'pending', 'handed', 'sent'}):
                continue
            if addresses is not None:
                address = addresses.get(receipt.id)
            else:
                address = receipt.party.email
            if address:
                to_queue.append(receipt)
                to_write.extend([[receipt], {
                            'email_state': 'pending',
                            'email_address': address,
                            'email_error': None,
                            }])
            else:
                without.append(receipt)
        if to_write:
            cls.write(*to_write)
        return to_queue, without

    def _email_content(self):
        """(subject, plain text, HTML or None) of the message to the donor;
        connexion_marketing's automations give their own."""
        pool = Pool()
        Association = pool.get('connexion.association')
        association = Association.get_singleton()
        name = association.name if association else ''
        subject = gettext(
            'connexion_tax_receipt.msg_receipt_email_subject',
            number=self.number, association=name)
        text = gettext(
            'connexion_tax_receipt.msg_receipt_email_body',
            name=self.donor_name, number=self.number, association=name)
        return subject, text, None

    def email_message(self, sender, pdf):
        "The message to the donor, the receipt attached."
        subject, text, html = self._email_content()
        message = EmailMessage()
        set_from_header(message, sender, sender)
        message['To'] = formataddr((self.donor_name, self.email_address))
        message['Subject'] = subject
        message['Date'] = formatdate(localtime=True)
        message['Message-ID'] = message_id('receipt', self.id, sender)
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype='html')
        message.add_attachment(pdf, maintype='application', subtype='pdf',
            filename=f'recu-fiscal-{self.number}.pdf')
        return message

    @classmethod
    def send_queued(cls, receipts=None, chunk=None):
        """The queued task (and the cron): send the next chunk of the
        queued receipts (all, or those given) through the outbox, then
        queue the next chunk as a task of its own; stop at the first SMTP
        failure, noted on the receipt, which stays queued (the cron resumes
        it). Return the number sent. Receipts another process is sending
        are left to it (it queues what follows).

        The one place receipts are rendered, sent and marked e-mailed: the
        outbox records each one's state, date and error on connections of
        its own, this transaction writes nothing."""
        sender = (config.get('connexion_tax_receipt', 'email_from')
            or config.get('email', 'from'))
        table = cls.__table__()
        where = None
        if receipts is not None:
            where = table.id.in_([r.id for r in receipts] or [-1])
        outbox = Outbox(table, 'email_state', 'email_date',
            lock='receipts', error_column='email_error',
            refused=gettext('connexion_tax_receipt.msg_receipt_email_refused'))

        def render(ids):
            return [(r.id, r.email_address, r._email_bytes(sender))
                for r in cls.browse(ids)]

        with outbox.claim() as alone:
            if not alone:
                return 0
            sent, _, _, left = outbox.send_rows(sender, render, where=where,
                batch=BATCH, limit=chunk or CHUNK)
            if left:
                left = cls.browse([i for i, _ in outbox.to_send(where)])
        if left:
            cls.__queue__.send_queued(left, chunk)
        return len(sent)

    def _email_bytes(self, sender):
        "The message to the donor as the SMTP server takes it."
        pdf = self.render_pdf([self.id], processes=1)
        return as_bytes(self.email_message(sender, pdf))


class SendEmailStart(ModelView):
    __name__ = 'connexion.donation.receipt.send_email.start'

    year = fields.Integer("Year of Issue", required=True,
        help="The receipts issued this year that were not e-mailed yet.")

    @staticmethod
    def default_year():
        return Pool().get('ir.date').today().year


class SendEmail(Wizard):
    """E-mail the receipts (those selected, or those issued in the year),
    each donor once, then show those still to send or without address."""
    __name__ = 'connexion.donation.receipt.send_email'

    start = StateView('connexion.donation.receipt.send_email.start',
        'connexion_tax_receipt.receipt_send_email_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateAction('connexion_tax_receipt.act_receipt_form')

    def do_send(self, action):
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        if self.model and self.model.__name__ == Receipt.__name__ and (
                self.records):
            receipts = list(self.records)
        else:
            receipts = Receipt.search([
                    ('year', '=', self.start.year),
                    ('state', '=', 'issued'),
                    ])
        if not receipts:
            raise ReceiptEmailError(gettext(
                    'connexion_tax_receipt.msg_receipt_email_none'))
        queued, without = Receipt.queue_email(receipts)
        # Sent by the worker (ir.queue) once this is committed; the cron
        # resumes what an SMTP failure or a crash stopped.
        if queued:
            Receipt.__queue__.send_queued(queued)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [r.id for r in receipts])])
        action['name'] = gettext(
            'connexion_tax_receipt.msg_receipt_email_result',
            queued=len(queued), without=len(without))
        return action, {}
