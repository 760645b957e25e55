"""E-mail campaigns to segments, filtered by consent, sent from a queue.

marketing_email's ``Message.process`` sends a whole list in one transaction:
an SMTP failure halfway rolls everything back and a new attempt sends the
first messages twice. Here each recipient is a row of connexion_asso's
outbox: recorded as handed over before its message leaves and as sent once
the server accepted it, so resuming after a failure or a crash sends the
rest and nobody twice (see connexion_asso/outbox.py for the in-doubt rule).
"""
import base64
import datetime as dt
import hashlib
import hmac
import re
from collections import namedtuple
from email.header import Header
from email.message import Message
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr
from html import escape
from urllib.parse import quote

from genshi.core import (
    COMMENT, DOCTYPE, END, END_CDATA, END_NS, PI, START, START_CDATA,
    START_NS, TEXT, XML_DECL, Attrs, QName)
from genshi.template.base import EXPR
from genshi.template import MarkupTemplate
from genshi.template import TemplateError as GenshiTemplateError
from sql import Literal, Null

import trytond.config as config
from trytond.i18n import gettext
from trytond.ir.session import token_hex
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools.email_ import format_address, set_from_header
from trytond.transaction import Transaction
from trytond.wsgi import Base64Converter

from connexion_asso.outbox import TO_SEND, Outbox, message_id
from connexion_asso.public import absolute_url
from connexion_asso.formatting import format_duration
from connexion_asso.workflow import (
    TransitionOnlyMixin, workflow_values_allowed)

from .party import CATEGORIES

# Records created or sent per batch: Tryton checks the whole id list of a
# browse for each record, so batches stay small.
BATCH = 500

SEGMENTS = [
    ('category', "Data Subject Category"),
    ('team', "Volunteers of a Team"),
    ('list', "Subscribers of a Mailing List"),
    ]


def public_url(path):
    """Absolute URL of a public page of this database: from [connexion]
    public_url like every link the product sends, never from a request."""
    database = Base64Converter(None).to_url(Transaction().database.name)
    return absolute_url(quote(f'/connexion_gdpr/{database}/{path}'))


def _secret():
    pool = Pool()
    Configuration = pool.get('connexion.gdpr.configuration')
    return Configuration.get_secret()


def party_signature(party_id, secret=None):
    "Signature of the preference link: nobody can guess another person's."
    return hmac.new((secret or _secret()).encode(), str(party_id).encode(),
        hashlib.sha256).hexdigest()[:32]


def preferences_url(party_id, secret=None, base=None):
    path = f'preferences/{party_id}/{party_signature(party_id, secret)}'
    return base + path if base else public_url(path)


def consenting_party_ids(purpose_code, date=None):
    """Ids of the parties whose latest consent to the purpose is given and
    still valid on the date: the rule of Party.has_consent in one query,
    as a campaign checks tens of thousands of people."""
    pool = Pool()
    Consent = pool.get('connexion.consent')
    Purpose = pool.get('connexion.consent.purpose')
    date = date or pool.get('ir.date').today()
    purpose = Purpose.get_by_code(purpose_code)
    if not purpose:
        raise ValidationError(gettext(
                'connexion_gdpr.msg_campaign_purpose_unknown',
                purpose=purpose_code))
    table = Consent.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(
            table.party, table.state, table.expiry_date,
            where=(table.purpose == purpose.id) & (table.date <= date),
            order_by=[table.party, table.date.asc, table.id.asc]))
    latest = {}
    for party, state, expiry_date in cursor:
        latest[party] = (state, expiry_date)
    return {party for party, (state, expiry_date) in latest.items()
        if state == 'given' and (not expiry_date or date <= expiry_date)}


def party_emails():
    """{party id: the e-mail address campaigns use}: the first active e-mail
    contact of each party, as Party._campaign_email, in one query."""
    Mechanism = Pool().get('party.contact_mechanism')
    mechanism = Mechanism.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*mechanism.select(mechanism.party, mechanism.value,
            where=(mechanism.type == 'email')
            & (mechanism.active == Literal(True))
            & (mechanism.value != Null) & (mechanism.value != ''),
            order_by=[mechanism.party, mechanism.sequence.asc.nulls_first,
                mechanism.id]))
    emails = {}
    for party, value in cursor:
        emails.setdefault(party, value)
    return emails


class Campaign(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.gdpr.campaign'

    _states = {'readonly': Eval('state') != 'draft'}
    name = fields.Char("Name", required=True, states=_states)
    subject = fields.Char("Subject", required=True, states=_states)
    from_ = fields.Char(
        "From", states=_states,
        help="Leave empty for the address of the configuration file.")
    content = fields.Text(
        "Content", required=True, states=_states,
        help="HTML; ${name} is the recipient's name, ${preferences_url} "
        "the link to their consent preferences.")
    purpose = fields.Char(
        "Consent Purpose",
        states={
            'readonly': _states['readonly'],
            'required': Eval('segment') != 'list',
            },
        help="Code of the consent purpose the recipients must have given "
        "(e.g. newsletter, fundraising); for a mailing list, the "
        "subscription is the consent.")
    segment = fields.Selection(
        SEGMENTS, "Segment", required=True, states=_states,
        help="Who is considered; anyone without the consent is left out.")
    category = fields.Selection(
        CATEGORIES, "Data Subject Category",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('segment') != 'category',
            'required': Eval('segment') == 'category',
            })
    team = fields.Many2One(
        'connexion.team', "Team", ondelete='RESTRICT',
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('segment') != 'team',
            'required': Eval('segment') == 'team',
            })
    list_ = fields.Many2One(
        'marketing.email.list', "Mailing List", ondelete='RESTRICT',
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('segment') != 'list',
            'required': Eval('segment') == 'list',
            })
    # Criteria of the donor segments (connexion_donation).
    donation_from = fields.Date(
        "Donations From",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('segment') != 'donors',
            })
    donation_to = fields.Date(
        "Donations To",
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('segment') != 'donors',
            })
    donation_min_amount = fields.Numeric(
        "Minimum Total Given", digits=(16, 2),
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('segment') != 'donors',
            },
        help="Total of the validated donations of the period.")
    recipients = fields.One2Many(
        'connexion.gdpr.campaign.recipient', 'campaign', "Recipients",
        readonly=True)
    excluded = fields.Integer(
        "Excluded", readonly=True,
        help="People of the segment left out for lack of consent or e-mail.")
    pending = fields.Function(fields.Integer("Pending"), 'get_counts')
    sent = fields.Function(fields.Integer("Sent"), 'get_counts')
    in_doubt = fields.Function(fields.Integer("In Doubt",
            help="Handed over to the mail server when the sending stopped, "
            "without its answer: sent again with the same Message-ID, "
            "which mail clients fold into one."), 'get_counts')
    failed = fields.Function(fields.Integer("Failed"), 'get_counts')
    opened = fields.Function(fields.Integer("Opened"), 'get_counts')
    clicked = fields.Function(fields.Integer("Clicked"), 'get_counts')
    last_error = fields.Text("Last Error", readonly=True)
    sending_start = fields.Timestamp("Sending Started", readonly=True)
    sending_end = fields.Timestamp("Sending Ended", readonly=True)
    sending_report = fields.Function(fields.Text(
            "Sending Report",
            states={'invisible': Eval('state') != 'done'},
            help="What the sending did and how long it took."),
        'get_sending_report')
    state = fields.Selection([
            ('draft', "Draft"),
            ('queued', "Queued"),
            ('sending', "Sending"),
            ('done', "Done"),
            ], "State", readonly=True, sort=False)
    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('id', 'DESC'))
        cls._transitions |= {
            ('draft', 'queued'),
            ('queued', 'draft'),
            ('queued', 'sending'),
            ('sending', 'done'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'queued',
                    'depends': ['state'],
                    },
                'queue': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
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
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_segment(cls):
        return 'category'

    @classmethod
    def _transition_fields(cls):
        """Queuing counts the excluded, sending records its errors and
        when it started and ended."""
        return super()._transition_fields() | {
            'excluded', 'last_error', 'sending_start', 'sending_end'}

    @classmethod
    def copy(cls, campaigns, default=None):
        "A copy is a new campaign: its list is built again when queued."
        default = default.copy() if default is not None else {}
        default.setdefault('recipients', None)
        default.setdefault('excluded', None)
        default.setdefault('last_error', None)
        default.setdefault('sending_start', None)
        default.setdefault('sending_end', None)
        default.setdefault('state', 'draft')
        return super().copy(campaigns, default=default)

    @classmethod
    def get_counts(cls, campaigns, names):
        pool = Pool()
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
        result = {n: {c.id: 0 for c in campaigns} for n in names}
        ids = [c.id for c in campaigns]
        domains = {
            'pending': [('state', '=', 'pending')],
            'in_doubt': [('state', '=', 'handed')],
            'sent': [('state', 'in', ['sent', 'bounced'])],
            'failed': [('state', 'in', ['failed', 'bounced'])],
            'opened': [('opened', '!=', None)],
            'clicked': [('clicks', '>', 0)],
            }
        for name in names:
            for campaign_id, count in Recipient.search_read_counts(
                    [('campaign', 'in', ids)] + domains[name]):
                result[name][campaign_id] = count
        return result

    @classmethod
    def validate_fields(cls, campaigns, field_names):
        super().validate_fields(campaigns, field_names)
        if field_names and 'content' not in field_names:
            return
        for campaign in campaigns:
            try:
                MarkupTemplate(campaign.content)
            except GenshiTemplateError as exception:
                raise ValidationError(gettext(
                        'connexion_gdpr.msg_campaign_invalid_content',
                        campaign=campaign.rec_name,
                        exception=exception)) from exception

    def segment_party_ids(self):
        """Ids of the parties of the segment, before the consent filter.

        Ids, not records: browsing tens of thousands of records at once is
        slow in Tryton (every record checks the whole id list)."""
        pool = Pool()
        Party = pool.get('party.party')
        Volunteer = pool.get('connexion.volunteer')
        MarketingEmail = pool.get('marketing.email')
        cursor = Transaction().connection.cursor()
        if self.segment == 'category':
            # The category is computed from the records: its searcher's
            # query, not a column.
            cursor.execute(*Party.search(
                    [('gdpr_category', '=', self.category)], query=True))
            return {i for i, in cursor}
        elif self.segment == 'team':
            volunteers = Volunteer.search([('teams', '=', self.team.id)])
            return {v.party.id for v in volunteers if v.party}
        elif self.segment == 'list':
            email = MarketingEmail.__table__()
            cursor.execute(*email.select(email.email,
                    where=email.list_ == self.list_.id))
            emails = {e.lower() for e, in cursor if e}
            return {p for p, e in party_emails().items()
                if e.lower() in emails}
        return set()

    def consenting_ids(self, party_ids, date=None):
        """The ids of the parties that may receive the campaign.

        For a mailing list, the (double opt-in) subscription is the consent
        (and the consent purpose too, when one is set); otherwise the party
        must have given consent to the purpose."""
        pool = Pool()
        MarketingEmail = pool.get('marketing.email')
        party_ids = set(party_ids)
        if self.segment == 'list':
            email = MarketingEmail.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*email.select(email.email,
                    where=(email.list_ == self.list_.id)
                    & (email.active == Literal(True))))
            subscribed = {e.lower() for e, in cursor if e}
            emails = party_emails()
            party_ids = {p for p in party_ids
                if emails.get(p, '').lower() in subscribed}
            if not self.purpose:
                return party_ids
        return party_ids & consenting_party_ids(self.purpose, date=date)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, campaigns):
        pool = Pool()
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
        Recipient.delete(Recipient.search(
                [('campaign', 'in', [c.id for c in campaigns])]))

    @classmethod
    @ModelView.button
    @Workflow.transition('queued')
    def queue(cls, campaigns):
        "Build the list: the segment minus anyone without consent or e-mail."
        for campaign in campaigns:
            party_ids = campaign.segment_party_ids()
            emails = campaign.eligible_emails(party_ids)
            campaign.insert_recipients(emails)
            campaign.excluded = len(party_ids) - len(emails)
        cls.save(campaigns)

    def eligible_emails(self, party_ids):
        """{party id: e-mail} of the parties that may receive the campaign:
        not anonymised, with the consent, an e-mail address that is not
        suppressed and not already used by another of them."""
        pool = Pool()
        Suppression = pool.get('connexion.gdpr.suppression')
        party = pool.get('party.party').__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*party.select(party.id,
                where=party.gdpr_erased != Null))
        party_ids = set(party_ids) - {i for i, in cursor}
        emails = party_emails()
        seen = set()
        blocked = Suppression.hashes()
        result = {}
        for party_id in sorted(self.consenting_ids(party_ids)):
            email = emails.get(party_id)
            if (not email or email.lower() in seen
                    or Suppression.hash_email(email) in blocked):
                continue
            seen.add(email.lower())
            result[party_id] = email
        return result

    def insert_recipients(self, emails):
        "Queue the recipients of {party id: e-mail}."
        Recipient = Pool().get('connexion.gdpr.campaign.recipient')
        Recipient.insert([{'campaign': self.id, 'party': p, 'email': e}
                for p, e in emails.items()])

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

    def get_sending_report(self, name):
        "Once sent: the counts and the time it took (resumptions included)."
        if self.state != 'done' or not self.sending_start:
            return None
        end = self.sending_end or self.sending_start
        return gettext('connexion_gdpr.msg_campaign_sending_report',
            sent=self.sent, failed=self.failed, excluded=self.excluded or 0,
            duration=format_duration(
                (end - self.sending_start).total_seconds()))

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
        msg = Message()
        set_from_header(msg, from_cfg, self.from_ or from_cfg)
        msg['Subject'] = Header(self.subject, 'utf-8')
        msg['MIME-Version'] = '1.0'
        msg['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
        header = msg.as_bytes(policy=compat32.clone(linesep='\r\n')).split(
            b'\r\n\r\n')[0]
        sender = parseaddr(from_cfg)[1]
        return header, sender, sender.rpartition('@')[2] or 'localhost'

    def _message(self, renderer, row, values, attachments, headers, date):
        """The raw e-mail of one recipient.

        Written directly as bytes: the header folding of the e-mail package
        costs more than the rendering at this volume."""
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
    def process(cls, campaigns=None, batch_size=BATCH):
        """Send what is pending or in doubt; stop at the first SMTP failure.

        Each message goes through the outbox, which records it as handed
        over before it leaves and as sent after, committed: a crash or an
        SMTP failure never loses the record of what was sent. A campaign
        another process is sending is left to it. The recipients are read
        in SQL: the ORM's per-record instances cost more than the sending
        here."""
        pool = Pool()
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
        Party = pool.get('party.party')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        recipient = Recipient.__table__()
        party = Party.__table__()
        if campaigns is None:
            campaigns = cls.search([('state', '=', 'sending')])
        done = True
        for campaign in cls.browse(campaigns):
            if campaign.state != 'sending':
                continue
            outbox = Outbox(recipient, 'state', 'sent_date',
                lock=f'campaign-{campaign.id}')
            with outbox.claim() as alone:
                if not alone:
                    continue
                done &= campaign._process(
                    outbox, cursor, recipient, party, batch_size)
        return done

    def _process(self, outbox, cursor, recipient, party, batch_size):
        """Send the campaign's rows still to send: read and rendered batch
        after batch here while the outbox's connections send the previous
        ones."""
        transaction = Transaction()
        renderer = Renderer(self)
        headers = self._headers()

        def batches():
            last = 0
            while True:
                # The rows in doubt (handed over when a sending stopped)
                # come again, in order: sent with the same Message-ID.
                cursor.execute(*recipient.join(party,
                        condition=recipient.party == party.id
                        ).select(recipient.id, recipient.email,
                        recipient.token, recipient.party, party.name,
                        recipient.state,
                        where=(recipient.campaign == self.id)
                        & recipient.state.in_(TO_SEND)
                        & (recipient.id > last),
                        order_by=[recipient.id.asc],
                        limit=batch_size))
                fetched = cursor.fetchall()
                if not fetched:
                    return
                rows = [Row(*r[:5]) for r in fetched]
                last = rows[-1].id
                values = self._recipient_values(rows)
                attachments = self._recipient_attachments(rows)
                date = formatdate(localtime=True).encode()
                yield [(row.id, row.email, self._message(
                            renderer, row, values.get(row.id, {}),
                            attachments.get(row.id), headers, date))
                    for row in rows], {
                    r[0] for r in fetched if r[5] == 'handed'}

        # The outbox records on connections of its own: they must see the
        # rows (a campaign queued in this transaction).
        transaction.commit()
        sent, refused, error = outbox.send_batches(headers[1], batches())
        # A new snapshot, with what the outbox recorded.
        transaction.commit()
        self.last_error = error
        if not error:
            self.sending_end = dt.datetime.now()
        with workflow_values_allowed():
            self.save()
        if not error:
            self.done([self])
        transaction.commit()
        return not error


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


class Recipient(ModelSQL, ModelView):
    __name__ = 'connexion.gdpr.campaign.recipient'

    campaign = fields.Many2One(
        'connexion.gdpr.campaign', "Campaign", required=True,
        ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    email = fields.Char("E-mail", required=True)
    token = fields.Char("Token", required=True, readonly=True)
    state = fields.Selection([
            ('pending', "Pending"),
            ('handed', "Handed Over"),
            ('sent', "Sent"),
            ('failed', "Failed"),
            ('bounced', "Bounced"),
            ], "State", required=True, readonly=True)
    sent_date = fields.DateTime("Sent", readonly=True)
    opened = fields.DateTime("Opened", readonly=True)
    clicks = fields.Integer("Clicks", readonly=True)
    unsubscribed = fields.DateTime("Unsubscribed", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('campaign_email_unique', Unique(t, t.campaign, t.email),
                'connexion_gdpr.msg_recipient_unique'),
            ('token_unique', Unique(t, t.token),
                'connexion_gdpr.msg_recipient_unique'),
            ]
        cls._sql_indexes.add(Index(
                t, (t.campaign, Index.Range()),
                (t.state, Index.Equality(cardinality='low')),
                (t.id, Index.Range())))

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_clicks(cls):
        return 0

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values.setdefault('token', token_hex(16))
        return values

    @classmethod
    def insert(cls, vlist):
        """Create recipients in SQL: a list of tens of thousands of rows
        computed by the campaign does not need the ORM checks (which are
        quadratic on large creations); the database keeps the unique
        constraints."""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        user = Transaction().user
        now = dt.datetime.now()
        columns = [table.campaign, table.party, table.email, table.token,
            table.state, table.clicks, table.create_uid, table.create_date]
        for i in range(0, len(vlist), BATCH):
            cursor.execute(*table.insert(columns, [[
                            v['campaign'], v['party'], v['email'],
                            token_hex(16), 'pending', 0, user, now]
                        for v in vlist[i:i + BATCH]]))

    @classmethod
    def search_read_counts(cls, domain):
        "[(campaign id, count)] of the recipients matching domain."
        from sql.aggregate import Count
        table = cls.__table__()
        query = cls.search(domain, query=True)
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.campaign, Count(table.id),
                where=table.id.in_(query), group_by=[table.campaign]))
        return cursor.fetchall()

    @classmethod
    def by_token(cls, token):
        records = cls.search([('token', '=', token)], limit=1)
        return records[0] if records else None

    def track_open(self):
        if not self.opened:
            self.opened = dt.datetime.now()
            self.save()

    def track_click(self, index):
        "Count the click and return the campaign link to redirect to."
        links = self.campaign._links()
        if not (0 <= index < len(links)):
            return None
        self.clicks = (self.clicks or 0) + 1
        if not self.opened:
            self.opened = dt.datetime.now()
        self.save()
        return links[index]

    def unsubscribe(self):
        "One click: withdraw the consent the campaign relied on."
        pool = Pool()
        Party = pool.get('party.party')
        MarketingEmail = pool.get('marketing.email')
        campaign = self.campaign
        if campaign.segment == 'list':
            MarketingEmail.write(MarketingEmail.search([
                        ('list_', '=', campaign.list_.id),
                        ('email', '=', self.email.lower())]),
                {'active': False})
        elif hasattr(Party, 'withdraw_consent'):
            Party.withdraw_consent(
                [self.party], campaign.purpose, channel='email',
                proof=gettext('connexion_gdpr.msg_unsubscribe_proof',
                    campaign=campaign.rec_name))
        self.unsubscribed = dt.datetime.now()
        self.save()

    @classmethod
    def bounce(cls, email):
        """A hard bounce: mark the recipients and stop using the address.

        Called for each bounce notice (e.g. by an inbound e-mail rule)."""
        pool = Pool()
        Suppression = pool.get('connexion.gdpr.suppression')
        email = email.strip().lower()
        recipients = cls.search([('email', 'ilike', email)])
        cls.write(recipients, {'state': 'bounced'})
        if not Suppression.is_suppressed(email):
            Suppression.create([{'email': email, 'reason': 'bounce'}])
        return recipients


class Suppression(ModelSQL, ModelView):
    __name__ = 'connexion.gdpr.suppression'

    email = fields.Char(
        "E-mail", help="Emptied when the person's data is erased: the hash "
        "keeps the address blocked.")
    email_hash = fields.Char(
        "E-mail Hash", readonly=True,
        help="SHA-256 of the address: a bounced or complaining address "
        "stays blocked after erasure, even if it is entered again.")
    reason = fields.Selection([
            ('bounce', "Bounce"),
            ('complaint', "Complaint"),
            ], "Reason", required=True)
    date = fields.Timestamp("Date", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('email_unique', Unique(t, t.email),
                'connexion_gdpr.msg_suppression_unique'),
            ]

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.email,
                where=(table.email_hash == Null) & (table.email != Null)))
        for id_, email in cursor.fetchall():
            cursor.execute(*table.update([table.email_hash],
                    [cls.hash_email(email)], where=table.id == id_))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('email'):
            values['email'] = values['email'].strip().lower()
            values['email_hash'] = cls.hash_email(values['email'])
        return values

    @staticmethod
    def hash_email(email):
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    @classmethod
    def hashes(cls):
        "Hashes of every blocked address, erased ones included."
        return {s.email_hash for s in cls.search([]) if s.email_hash}

    @classmethod
    def is_suppressed(cls, email):
        return bool(cls.search(
                [('email_hash', '=', cls.hash_email(email))], limit=1))

    @classmethod
    def forget(cls, emails):
        "Erasure: the addresses go, their hashes keep them blocked."
        records = cls.search([('email_hash', 'in',
                    [cls.hash_email(e) for e in emails])])
        if records:
            cls.write(records, {'email': None})


class Configuration(ModelSQL):
    __name__ = 'connexion.gdpr.configuration'

    secret = fields.Char("Secret", required=True)

    @classmethod
    def get_secret(cls):
        records = cls.search([], limit=1)
        if not records:
            records = cls.create([{'secret': token_hex(32)}])
        return records[0].secret
