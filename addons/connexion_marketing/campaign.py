"""E-mail campaigns to segments, filtered by consent: who is in the
segment, who may receive the campaign, and the list of recipients built when
the campaign is queued. The sending is in campaign_send.py, the recipients'
opens, clicks and unsubscriptions in recipient.py."""
import hashlib
import hmac
from urllib.parse import quote

from genshi.template import MarkupTemplate
from genshi.template import TemplateError as GenshiTemplateError
from sql import Literal, Null

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wsgi import Base64Converter

from connexion_asso.public import absolute_url
from connexion_asso.formatting import format_duration
from connexion_asso.workflow import TransitionOnlyMixin
from connexion_gdpr.party import CATEGORIES

from .exceptions import CampaignContentError

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
    return absolute_url(quote(f'/connexion_marketing/{database}/{path}'))


def _secret():
    pool = Pool()
    Configuration = pool.get('connexion.marketing.configuration')
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
        raise CampaignContentError(gettext(
                'connexion_marketing.msg_campaign_purpose_unknown',
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


class TemplateContentMixin:
    """A message body written as a Genshi template (campaigns and
    automations): a template that cannot be read is refused when saved, not
    when the first message is sent."""
    __slots__ = ()

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names and 'content' not in field_names:
            return
        for record in records:
            try:
                MarkupTemplate(record.content)
            except GenshiTemplateError as exception:
                raise CampaignContentError(gettext(
                        'connexion_marketing.msg_campaign_invalid_content',
                        campaign=record.rec_name,
                        exception=exception)) from exception


class Campaign(
        TemplateContentMixin, TransitionOnlyMixin, Workflow, ModelSQL,
        ModelView):
    __name__ = 'connexion.marketing.campaign'
    __string__ = "E-mail Campaign"

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
        'connexion.marketing.campaign.recipient', 'campaign', "Recipients",
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
        Recipient = pool.get('connexion.marketing.campaign.recipient')
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
        Recipient = pool.get('connexion.marketing.campaign.recipient')
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
        Suppression = pool.get('connexion.marketing.suppression')
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
        Recipient = Pool().get('connexion.marketing.campaign.recipient')
        Recipient.insert([{'campaign': self.id, 'party': p, 'email': e}
                for p, e in emails.items()])

    def get_sending_report(self, name):
        "Once sent: the counts and the time it took (resumptions included)."
        if self.state != 'done' or not self.sending_start:
            return None
        end = self.sending_end or self.sending_start
        return gettext('connexion_marketing.msg_campaign_sending_report',
            sent=self.sent, failed=self.failed, excluded=self.excluded or 0,
            duration=format_duration(
                (end - self.sending_start).total_seconds()))
