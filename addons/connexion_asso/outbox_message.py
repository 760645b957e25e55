"""The outbox's own messages: the e-mails that are not a campaign's nor a
receipt's (SEPA pre-notifications, membership and onboarding reminders),
queued in the transaction that decides them.

Not a second way out: this model is only the source of their rows, as
campaign recipients and receipts are the source of theirs. They are sent by
connexion_asso/outbox.py like the others (claim, handed over, sent or
failed, in doubt sent again with the same Message-ID), from a task of
ir.queue queued with them. A single message has no row of its own
elsewhere to walk those states: it is kept here, rendered at the decision
(its content frozen then), until the server took it."""
import datetime as dt
from email.utils import formatdate, make_msgid, parseaddr

import trytond.config as config
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .outbox import TO_SEND, Outbox
from .smtp_delivery import as_bytes

# Messages sent by one queued task: the rest go in the task it queues.
CHUNK = 1000


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
        reminders, tax receipts...); modules extend."""
        return []

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
    def send_pending(cls, messages=None, chunk=None):
        """The queued task (and the cron): send the next chunk of the
        pending messages (all, or those given) and of those in doubt, then
        queue the rest as a task of its own; stop at the first SMTP failure,
        noted on the message (the cron resumes it). A second sender at the
        same time leaves them to the first (which queues what follows).
        Return the number sent."""
        sender = parseaddr(config.get('email', 'from'))[1]
        table = cls.__table__()
        where = None
        if messages is not None:
            where = table.id.in_([m.id for m in messages] or [-1])
        outbox = Outbox(table, 'state', 'sent_date', lock='messages',
            error_column='error')
        erased = []

        def render(ids):
            with without_check_access():
                records = cls.browse(ids)
            # The person was erased before it left: never sent.
            erased.extend(m for m in records if not m.content)
            return [(m.id, _address(m.to), m.content)
                for m in records if m.content]

        with outbox.claim() as alone:
            if not alone:
                return 0
            sent, _, _, left = outbox.send_rows(sender, render, where=where,
                limit=chunk or CHUNK)
            if left:
                left = cls.browse([i for i, _ in outbox.to_send(where)])
        if erased:
            with without_check_access():
                cls.write(erased, {'state': 'failed'})
        if left:
            cls.__queue__.send_pending(left, chunk)
        return len(sent)

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
