"""The outbox's own messages: the e-mails that are not a campaign's nor a
receipt's, queued in the transaction that decides them and sent through the
outbox like the others."""
import datetime as dt
from email.utils import formatdate, make_msgid, parseaddr

import trytond.config as config
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .outbox import TO_SEND, Outbox, as_bytes


class Message(ModelSQL, ModelView):
    """The e-mails that are not a campaign's nor a receipt's (reminders,
    pre-notifications), kept until sent: queued in the transaction that
    decides them, so that a crash or an SMTP failure after the commit loses
    none, then sent through the outbox like the others."""
    __name__ = 'connexion.outbox.message'
    __string__ = "Outbox E-mail"

    party = fields.Many2One('party.party', "Party", readonly=True,
        ondelete='CASCADE')
    to = fields.Char("To", readonly=True)
    subject = fields.Char("Subject", readonly=True)
    message_id = fields.Char("Message-ID", readonly=True)
    content = fields.Binary("Message", readonly=True)
    origin = fields.Reference("Origin", selection='get_origin', readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('handed', "Handed Over"),
            ('sent', "Sent"),
            ('failed', "Refused"),
            ], "State", readonly=True, sort=False,
        help="Handed over: given to the mail server when a sending stopped, "
        "without its answer; sent again with the same Message-ID, which "
        "mail clients fold into one.")
    sent_date = fields.DateTime("Sent at", readonly=True)
    error = fields.Char("Error", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('id', 'DESC'))
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality()),
                where=t.state.in_(TO_SEND)))

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def _get_origin(cls):
        """The models whose records e-mail through the outbox (onboarding
        reminders here); modules extend."""
        return ['connexion.volunteer.onboarding']

    @classmethod
    def get_origin(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [(m, IrModel.get_name(m))
            for m in cls._get_origin()]

    @classmethod
    def enqueue(cls, messages):
        """Queue [(EmailMessage, party or None, origin or None)], each
        sent once this transaction commits (never if it rolls back)."""
        sender = config.get('email', 'from')
        vlist = []
        for message, party, origin in messages:
            if not message['From']:
                message['From'] = sender
            if not message['Date']:
                message['Date'] = formatdate(localtime=True)
            if not message['Message-ID']:
                message['Message-ID'] = make_msgid(
                    domain=parseaddr(sender)[1].rpartition('@')[2] or None)
            vlist.append({
                    'party': party.id if party else None,
                    'to': str(message['To']),
                    'subject': str(message['Subject'] or ''),
                    'message_id': str(message['Message-ID']),
                    'content': as_bytes(message),
                    'origin': str(origin) if origin else None,
                    })
        if not vlist:
            return []
        with without_check_access():
            records = cls.create(vlist)
        cls.__queue__.send_pending(records)
        return records

    @classmethod
    def send_pending(cls, messages=None):
        """Send the pending messages (all, or those given) and those in
        doubt; stop at the first SMTP failure, noted on the message. A
        second sender at the same time leaves them to the first."""
        sender = parseaddr(config.get('email', 'from'))[1]
        domain = [('state', 'in', TO_SEND)]
        if messages is not None:
            domain.append(('id', 'in', [m.id for m in messages]))
        outbox = Outbox(cls.__table__(), 'state', 'sent_date',
            lock='messages')

        def note(refused, accepted, stopped, error):
            if stopped:
                with without_check_access():
                    cls.write([stopped], {'error': error[:250]})

        with outbox.claim() as alone:
            if not alone:
                return 0
            with without_check_access():
                pending = cls.search(domain, order=[('id', 'ASC')])
            erased = [m for m in pending if not m.content]
            if erased:
                # The person was erased before it left.
                with without_check_access():
                    cls.write(erased, {'state': 'failed'})
            return outbox.send_records(sender,
                [m for m in pending if m.content],
                lambda m: (_address(m.to), m.content),
                lambda m: m.state, note)

    @classmethod
    def clean(cls, days=30):
        "Cron: forget the messages sent more than days ago (personal data)."
        limit = dt.datetime.now() - dt.timedelta(days=days)
        with without_check_access():
            cls.delete(cls.search([
                        ('state', 'in', ['sent', 'failed']),
                        ('write_date', '<', limit),
                        ]))


def _address(to):
    "The address of a To header."
    return parseaddr(to)[1]
