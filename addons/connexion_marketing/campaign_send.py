"""Sending a campaign, from ir.queue.

marketing_email's ``Message.process`` sends a whole list in one transaction:
an SMTP failure halfway rolls everything back and a new attempt sends the
first messages twice. Here each recipient is a row of connexion_asso's
outbox: recorded as handed over before its message leaves and as sent once
the server accepted it, so resuming after a failure or a crash sends the
rest and nobody twice (see connexion_asso/outbox.py for the in-doubt rule).

The send button only queues the sending (``__queue__``); trytond-worker runs
it one chunk of recipients per task, each task queuing the next chunk, the
cron resuming what an SMTP failure or a crash stopped. A task does not
commit: the outbox records on connections of its own (on SQLite it commits
the task's transaction at each message, see connexion_asso/outbox.py).
"""
import base64
import datetime as dt
import re
from collections import namedtuple
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, parseaddr
from html import escape
from urllib.parse import quote

from genshi.core import (
    COMMENT, DOCTYPE, END, END_CDATA, END_NS, PI, START, START_CDATA,
    START_NS, TEXT, XML_DECL, Attrs, QName)
from genshi.template.base import EXPR
from genshi.template import MarkupTemplate

import trytond.config as config
from trytond.ir.session import token_hex
from trytond.model import ModelView, Workflow
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools.email_ import format_address, set_from_header
from trytond.transaction import Transaction

from connexion_asso.outbox import Outbox, message_id
from connexion_asso.workflow import workflow_values_allowed

from .campaign import BATCH, _secret, preferences_url, public_url

# Recipients sent by one queued task: the next ones go in the task it
# queues. Each task opens its SMTP and database connections again and lets
# the connections idle while it renders its first batch: chunks of 5000
# made bench/campaign's 50000 e-mails 47 % slower (12.9 s of sending in 10
# tasks, 8.8 s before the queue tasks); chunks of 50000: 8.6 s.
CHUNK = 100 * BATCH


class Campaign(metaclass=PoolMeta):
    __name__ = 'connexion.marketing.campaign'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('queued', 'sending'),
            ('sending', 'done'),
            }
        cls._buttons.update({
                'send': {
                    'invisible': Eval('state') != 'queued',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'sending',
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button
    def send(cls, campaigns):
        "Sent by the worker (ir.queue); the cron resumes what stopped."
        cls.start_sending(campaigns)
        cls.__queue__.process(campaigns)

    @classmethod
    @Workflow.transition('sending')
    def start_sending(cls, campaigns):
        with workflow_values_allowed():
            cls.write(campaigns, {'sending_start': dt.datetime.now()})

    @classmethod
    @ModelView.button
    def resume(cls, campaigns):
        cls.__queue__.process(campaigns)

    @classmethod
    @Workflow.transition('done')
    def done(cls, campaigns):
        pass

    def _links(self):
        "The campaign's links, in order; clicks point to their index."
        links = []
        for kind, data, pos in MarkupTemplate(self.content).stream:
            if kind is START and data[0] == 'a' and data[1].get('href'):
                href = data[1].get('href')
                if isinstance(href, str) and href not in links:
                    links.append(href)
        return links

    def _template_names(self):
        """The names of the recipient's values the content may use; modules
        adding values (the donation automations) extend it."""
        return ['name', 'preferences_url', 'unsubscribe_url']

    def _recipient_values(self, rows):
        """{recipient id: {name: value}} for the values that are not the
        party's own (e.g. the gift thanked), read for a whole batch."""
        return {}

    def _recipient_attachments(self, rows):
        "{recipient id: [(file name, MIME type, bytes)]} to attach."
        return {}

    def _headers(self):
        "The headers common to every message of the campaign, encoded."
        from_cfg = (config.get('marketing', 'email_from')
            or config.get('email', 'from'))
        msg = EmailMessage(policy=SMTP)
        set_from_header(msg, from_cfg, self.from_ or from_cfg)
        msg['Subject'] = self.subject
        msg['MIME-Version'] = '1.0'
        msg['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
        header = msg.as_bytes().split(b'\r\n\r\n')[0]
        sender = parseaddr(from_cfg)[1]
        return header, sender, sender.rpartition('@')[2] or 'localhost'

    def _message(self, renderer, row, values, attachments, headers, date):
        """The raw e-mail of one recipient: the campaign's headers (made
        once by an EmailMessage) and the recipient's own, written as bytes.

        An EmailMessage for each recipient (set_content, as_bytes) costs
        0.9 ms of CPU per message where these bytes cost 0.004 ms, while the
        whole sending costs 0.12 ms per message (bench/campaign): seven
        times the sending's CPU, far above the 10 % of it allowed. The
        tests parse these messages with the e-mail package."""
        common, sender, _ = headers
        content = _base64(renderer.html(row, values).encode('utf-8'))
        name = row.name or ''
        if row.email.isascii():
            to = formataddr((name, row.email))
        else:
            to = format_address(row.email, name)
        lines = [common,
            b'To: ' + to.encode('utf-8'),
            b'Date: ' + date,
            b'Message-ID: ' + message_id(
                f'campaign-{self.id}', row.id, sender).encode(),
            f'List-Unsubscribe: <{renderer.base}u/{row.token}>'.encode(),
            f'X-Connexion-Recipient: {row.token}'.encode(),
            ]
        html = [b'Content-Type: text/html; charset="utf-8"',
            b'Content-Transfer-Encoding: base64', b'', content]
        if not attachments:
            lines.extend(html)
        else:
            boundary = f'=_{token_hex(12)}'.encode()
            lines += [b'Content-Type: multipart/mixed; boundary="'
                + boundary + b'"', b'', b'--' + boundary] + html
            for filename, mimetype, data in attachments:
                if filename.isascii():
                    disposition = f'filename="{filename}"'
                else:
                    disposition = "filename*=utf-8''" + quote(filename)
                lines += [b'--' + boundary,
                    f'Content-Type: {mimetype}'.encode(),
                    b'Content-Transfer-Encoding: base64',
                    f'Content-Disposition: attachment; {disposition}'
                    .encode(),
                    b'', _base64(data)]
            lines += [b'--' + boundary + b'--', b'']
        return b'\r\n'.join(lines)

    @classmethod
    def process(cls, campaigns=None, batch_size=BATCH, chunk=None):
        """The queued task (and the cron's resumption): send the next chunk
        of each campaign being sent (chunk rows still pending or in doubt),
        then queue the next chunk as a task of its own; stop at the first
        SMTP failure (the cron resumes it).

        Each message goes through the outbox, which records it as handed
        over before it leaves and as sent after, on connections of its own:
        a crash or an SMTP failure never loses the record of what was sent,
        and this transaction writes only the campaign (its error, its end),
        committed by the worker with the next task. A campaign another
        process is sending is left to it (it queues what follows)."""
        if campaigns is None:
            campaigns = cls.search([('state', '=', 'sending')])
        following = []
        for campaign in cls.browse(campaigns):
            if campaign.state != 'sending':
                continue
            if campaign._process(batch_size, chunk or CHUNK):
                following.append(campaign)
        if following:
            cls.__queue__.process(following)

    def _process(self, batch_size, chunk):
        """Send the next chunk of the campaign's rows still to send, read
        and rendered batch after batch here while the outbox's connections
        send the previous ones; return whether rows are left to send. The
        recipients are read in SQL: the ORM's per-record instances cost
        more than the sending here."""
        pool = Pool()
        Recipient = pool.get('connexion.marketing.campaign.recipient')
        Party = pool.get('party.party')
        cursor = Transaction().connection.cursor()
        recipient = Recipient.__table__()
        party = Party.__table__()
        outbox = Outbox(recipient, 'state', 'sent_date',
            lock=f'campaign-{self.id}')
        renderer = Renderer(self)
        headers = self._headers()

        def render(ids):
            cursor.execute(*recipient.join(party,
                    condition=recipient.party == party.id
                    ).select(recipient.id, recipient.email,
                    recipient.token, recipient.party, party.name,
                    where=recipient.id.in_(ids),
                    order_by=[recipient.id.asc]))
            rows = [Row(*r) for r in cursor]
            values = self._recipient_values(rows)
            attachments = self._recipient_attachments(rows)
            date = formatdate(localtime=True).encode()
            return [(row.id, row.email, self._message(
                        renderer, row, values.get(row.id, {}),
                        attachments.get(row.id), headers, date))
                for row in rows]

        with outbox.claim() as alone:
            if not alone:
                return False
            sent, refused, error, left = outbox.send_rows(headers[1], render,
                where=recipient.campaign == self.id, batch=batch_size,
                limit=chunk)
        self.last_error = error
        if not error and not left:
            self.sending_end = dt.datetime.now()
        with workflow_values_allowed():
            self.save()
        if not error and not left:
            self.done([self])
        return left


Row = namedtuple('Row', ['id', 'email', 'token', 'party', 'name'])


def _base64(data):
    return base64.encodebytes(data).replace(b'\n', b'\r\n')


# Markers of the recipient's values in the pre-rendered content.
_MARK = re.compile('\ue000(\\d+)\ue001')
_PLAIN_KINDS = {START, END, TEXT, EXPR, COMMENT, PI, DOCTYPE, START_NS,
    END_NS, XML_DECL, START_CDATA, END_CDATA}


def _plain(stream, names):
    """Whether the template only prints the recipient's values as they are:
    no directive (py:if, py:for...) nor expression whose result the value
    would change."""
    for kind, data, pos in stream:
        if kind not in _PLAIN_KINDS:
            return False
        if kind is EXPR and data.source.strip() not in names:
            return False
        if kind is START:
            for _, value in data[1]:
                if not isinstance(value, str) and not _plain(value, names):
                    return False
    return True


class Renderer:
    """The HTML of the campaign for one recipient after another.

    The Genshi template is rendered once, with markers in place of the
    recipient's values, then cut at the markers: each message is the pieces
    joined with the recipient's escaped values, tens of times faster than a
    Genshi rendering each. A content whose structure depends on the values
    (py:if, py:for, expressions) is rendered by Genshi for each recipient.
    Static links go through the click counter, with an open pixel."""

    def __init__(self, campaign):
        self.template = MarkupTemplate(campaign.content)
        self.links = campaign._links()
        self.base = public_url('')
        self.secret = _secret()
        self.names = list(campaign._template_names())
        self.parts = self.slots = None
        if ('\ue000' not in campaign.content
                and _plain(self.template.stream, set(self.names))):
            marks = [f'\ue000{i}\ue001' for i in range(len(self.names) + 1)]
            self.parts = _MARK.split(self._generate(
                    dict(zip(self.names, marks)), marks[-1]))
            self.slots = [int(i) for i in self.parts[1::2]]

    def values(self, row, values):
        result = dict.fromkeys(self.names)
        result.update(
            name=row.name,
            preferences_url=preferences_url(row.party, self.secret, self.base),
            unsubscribe_url=f'{self.base}u/{row.token}')
        result.update(values)
        return result

    def html(self, row, values=None):
        values = self.values(row, values or {})
        if self.parts is None:
            return self._generate(values, row.token)
        texts = [escape(str(v)) if v is not None else ''
            for v in map(values.get, self.names)] + [row.token]
        parts = self.parts[:]
        parts[1::2] = [texts[i] for i in self.slots]
        return ''.join(parts)

    def _generate(self, values, token):
        links, base = self.links, self.base

        def track(stream):
            for kind, data, pos in stream:
                if kind is START and data[0] == 'a' and data[1].get('href'):
                    tag, attrs = data
                    href = attrs.get('href')
                    if href in links:
                        attrs = (attrs - 'href') | [(QName('href'),
                                f'{base}c/{token}/{links.index(href)}')]
                    data = tag, attrs
                elif kind is END and data == 'body':
                    yield START, (QName('img'), Attrs([
                                (QName('src'), f'{base}o/{token}.gif'),
                                (QName('height'), '1'),
                                (QName('width'), '1'),
                                (QName('alt'), ''),
                                ])), pos
                    yield END, QName('img'), pos
                yield kind, data, pos
        return self.template.generate(**values).filter(track).render()
