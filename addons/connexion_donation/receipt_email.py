"""Tax receipts sent by e-mail, the PDF attached, from a queue.

The only way receipts are e-mailed (the wizard, the cron and connexion_gdpr's
donor automations all use this queue). The receipts to send are marked queued
first; each one is marked sent as
soon as the SMTP server accepted it, and committed at once: after an SMTP
failure or a crash, sending again picks up the receipts still queued, and
no donor gets the same receipt twice."""
import datetime as dt
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from sql import For

from trytond import backend
from trytond.config import config
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.sendmail import get_smtp_server
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    email_state = fields.Selection([
            (None, ""),
            ('queued', "Queued"),
            ('sent', "Sent"),
            ], "E-mail", readonly=True)
    email_address = fields.Char("E-mail Address", readonly=True)
    email_date = fields.DateTime("E-mailed at", readonly=True)
    email_error = fields.Char(
        "E-mail Error", readonly=True,
        states={'invisible': ~Eval('email_error')})

    @classmethod
    def queue_email(cls, receipts, addresses=None):
        """Queue the issued receipts not e-mailed (nor queued) yet whose
        donor has an e-mail address (or the one given in addresses, {receipt
        id: address}); return (queued, left out for want of an address).

        This queue is the only way receipts are e-mailed: the wizard, the
        cron and the donor automations of connexion_gdpr all feed it."""
        to_queue, without, to_write = [], [], []
        for receipt in receipts:
            if (receipt.state != 'issued'
                    or receipt.email_state in {'queued', 'sent'}):
                continue
            if addresses is not None:
                address = addresses.get(receipt.id)
            else:
                address = receipt.party.email
            if address:
                to_queue.append(receipt)
                to_write.extend([[receipt], {
                            'email_state': 'queued',
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
        connexion_gdpr's automations give their own."""
        pool = Pool()
        Association = pool.get('connexion.association')
        association = Association.get_singleton()
        name = association.name if association else ''
        subject = gettext(
            'connexion_donation.msg_receipt_email_subject',
            number=self.number, association=name)
        text = gettext(
            'connexion_donation.msg_receipt_email_body',
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
        message['Message-ID'] = make_msgid()
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype='html')
        message.add_attachment(pdf, maintype='application', subtype='pdf',
            filename=f'recu-fiscal-{self.number}.pdf')
        return message

    @classmethod
    def _claim(cls, receipt):
        """Whether the receipt is still queued, its row locked until the
        next commit: a second sending running at the same time (cron,
        wizard, automation) skips it instead of e-mailing it twice."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        query = table.select(table.id,
            where=(table.id == receipt.id) & (table.email_state == 'queued'))
        if transaction.database.has_select_for():
            query.for_ = For('UPDATE', nowait=True)
        try:
            cursor.execute(*query)
            return cursor.fetchone() is not None
        except backend.DatabaseOperationalError:
            # Locked (or just sent) by another transaction.
            transaction.rollback()
            return False

    @classmethod
    def send_queued(cls, receipts=None, limit=None):
        """Send the queued receipts (all, or those given); commit after each
        one accepted. Stop at the first SMTP failure, noted on the receipt,
        which stays queued. Return the number sent.

        The one place receipts are rendered, sent and marked e-mailed."""
        transaction = Transaction()
        sender = (config.get('connexion_donation', 'email_from')
            or config.get('email', 'from'))
        domain = [('email_state', '=', 'queued')]
        if receipts is not None:
            domain.append(('id', 'in', [r.id for r in receipts]))
        queued = [r.id for r in cls.search(
                domain, order=[('id', 'ASC')], limit=limit)]
        server, sent = None, 0
        try:
            for receipt_id in queued:
                receipt = cls(receipt_id)
                if not cls._claim(receipt):
                    continue
                pdf = cls.render_pdf([receipt.id], processes=1)
                message = receipt.email_message(sender, pdf)
                try:
                    if server is None:
                        server = get_smtp_server(strict=True)
                    server.send_message(
                        message, sender, [receipt.email_address])
                except (smtplib.SMTPException, OSError) as exception:
                    cls.write([receipt], {
                            'email_error': str(exception)[:250]
                            or repr(exception)})
                    transaction.commit()
                    break
                cls.write([receipt], {
                        'email_state': 'sent',
                        'email_date': dt.datetime.now(),
                        'email_error': None,
                        })
                transaction.commit()
                sent += 1
        finally:
            if server is not None:
                try:
                    server.quit()
                except (smtplib.SMTPException, OSError):
                    pass
        return sent


class SendEmailStart(ModelView):
    "Send Tax Receipts by E-mail"
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
        'connexion_donation.receipt_send_email_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Send", 'send', 'tryton-ok', default=True),
            ])
    send = StateAction('connexion_donation.act_receipt_form')

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
            raise ValidationError(gettext(
                    'connexion_donation.msg_receipt_email_none'))
        queued, without = Receipt.queue_email(receipts)
        Transaction().commit()
        Receipt.send_queued(queued)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [r.id for r in receipts])])
        action['name'] = gettext(
            'connexion_donation.msg_receipt_email_result',
            queued=len(queued), without=len(without))
        return action, {}
