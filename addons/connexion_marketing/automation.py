"""Automatic e-mails to donors (when connexion_donation is activated): thanks
after a validated gift, the tax receipt (its PDF attached) once issued, a
yearly appeal to lapsed donors (LYBUNT/SYBUNT).

Each run of the cron turns what is due into a campaign of the automation:
same consent filter, same queued and resumable sender as any campaign. What
an e-mail covers (a gift, a donor for a year) is recorded under a key unique
per automation, so nothing is sent twice, even by two runs at the same time
(the second one fails on the unique constraint).

Tax receipts are the exception, added where connexion_tax_receipt is
activated (automation_receipt.py)."""
import datetime as dt
from collections import defaultdict

from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from connexion_asso.formatting import format_amount, format_date

from .campaign import TemplateContentMixin

KINDS = [
    ('thank_you', "Thanks for a Gift"),
    ('reactivation', "Reactivation of Lapsed Donors"),
    ]
# The values the content of an automation may print, besides the campaign's.
NAMES = ['amount', 'date', 'receipt_number', 'year']


class Automation(
        TemplateContentMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.marketing.automation'
    __string__ = "Donor E-mail Automation"

    name = fields.Char("Name", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    purpose = fields.Char(
        "Consent Purpose", required=True,
        help="Code of the consent purpose the donors must have given.")
    subject = fields.Char("Subject", required=True)
    from_ = fields.Char(
        "From", help="Leave empty for the address of the configuration file.")
    content = fields.Text(
        "Content", required=True,
        help="HTML; ${name} is the donor's name, ${preferences_url} the link "
        "to their consent preferences, ${amount} and ${date} the amount and "
        "date of the gifts (or of the last gift), ${receipt_number} and "
        "${year} those of the tax receipt.")
    start_date = fields.Date(
        "Start Date", required=True,
        help="Gifts and receipts before this date are left out: starting an "
        "automation does not write to donors about the past.")
    delay = fields.Integer(
        "Days to Thank",
        states={
            'invisible': Eval('kind') != 'thank_you',
            'required': Eval('kind') == 'thank_you',
            },
        help="Gifts older than this are not thanked any more (e.g. when the "
        "donor consents later).")
    segment = fields.Selection([
            (None, ""),
            ('lybunt', "LYBUNT: Gave Last Year, Not This Year"),
            ('sybunt', "SYBUNT: Gave Before, Not Last Year Nor This Year"),
            ], "Lapsed Donors",
        states={
            'invisible': Eval('kind') != 'reactivation',
            'required': Eval('kind') == 'reactivation',
            },
        help="Each donor of the segment receives the appeal once a year.")
    campaigns = fields.One2Many(
        'connexion.marketing.campaign', 'automation', "Campaigns",
        readonly=True)

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_delay(cls):
        return 30

    @classmethod
    def default_kind(cls):
        return 'thank_you'

    @classmethod
    def default_purpose(cls):
        return 'donor_relations'

    @fields.depends('kind')
    def on_change_kind(self):
        self.purpose = ('fundraising' if self.kind == 'reactivation'
            else 'donor_relations')

    @classmethod
    def run(cls, automations=None):
        """Cron: queue what is due for each automation, then queue the
        sending of whatever is pending (the campaigns a failure interrupted
        too): sent by the worker once this is committed (the outbox reads
        the committed rows)."""
        if automations is None:
            automations = cls.search([])
        for automation in automations:
            automation.queue_due()
        cls.send_pending(automations)

    @classmethod
    def send_pending(cls, automations):
        """Queue the sending of what the automations left pending: the
        campaigns being sent (extended by the kinds that send otherwise)."""
        Campaign = Pool().get('connexion.marketing.campaign')
        sending = Campaign.search([('state', '=', 'sending')])
        if sending:
            Campaign.__queue__.process(sending)

    def queue_due(self, date=None):
        """The campaign (started, not sent) of what is due and not yet
        covered, among the donors who consent; None if there is nobody.
        A kind that does not send through campaigns extends it."""
        pool = Pool()
        Campaign = pool.get('connexion.marketing.campaign')
        Item = pool.get('connexion.marketing.automation.item')
        Recipient = pool.get('connexion.marketing.campaign.recipient')
        date = date or pool.get('ir.date').today()
        item = Item.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*item.select(item.key,
                where=item.automation == self.id))
        done = {k for k, in cursor}
        by_party = defaultdict(list)
        for party, key, origin in getattr(self, f'_due_{self.kind}')(date):
            if key not in done:
                by_party[party].append((key, origin))
        if not by_party:
            return None
        campaign = Campaign(name=f"{self.name} {date.strftime('%d/%m/%Y')}",
            subject=self.subject, from_=self.from_, content=self.content,
            purpose=self.purpose, segment='automation', automation=self,
            state='queued')
        emails = campaign.eligible_emails(set(by_party))
        if not emails:
            return None
        campaign.excluded = len(by_party) - len(emails)
        campaign.save()
        campaign.insert_recipients(emails)
        recipient = Recipient.__table__()
        cursor.execute(*recipient.select(recipient.id, recipient.party,
                where=recipient.campaign == campaign.id))
        Item.insert([(self.id, recipient_id, key, origin)
                for recipient_id, party in cursor.fetchall()
                for key, origin in by_party[party]])
        Campaign.start_sending([campaign])
        return campaign

    def _due_thank_you(self, date):
        "[(party, key, origin)]: the validated gifts of the last days."
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        cursor = Transaction().connection.cursor()
        since = max(self.start_date, date - dt.timedelta(days=self.delay or 0))
        cursor.execute(*donation.select(donation.party, donation.id,
                where=(donation.state == 'validated')
                & (donation.date >= since) & (donation.date <= date)))
        return [(p, f'connexion.donation,{i}', f'connexion.donation,{i}')
            for p, i in cursor]

    def _due_reactivation(self, date):
        "[(party, key, origin)]: the lapsed donors, once a year each."
        Campaign = Pool().get('connexion.marketing.campaign')
        segment = Campaign(segment=self.segment)
        return [(p, f'party.party,{p}/{date.year}', f'party.party,{p}')
            for p in segment.donor_ids(date=date)]


class AutomationItem(ModelSQL):
    __name__ = 'connexion.marketing.automation.item'
    __string__ = "Donor E-mail Automation Item"

    automation = fields.Many2One(
        'connexion.marketing.automation', "Automation", required=True,
        ondelete='CASCADE')
    recipient = fields.Many2One(
        'connexion.marketing.campaign.recipient', "Recipient", required=True,
        ondelete='CASCADE')
    key = fields.Char("Key", required=True)
    origin = fields.Reference("Origin", selection=[
            ('connexion.donation', "Donation"),
            ('party.party', "Party"),
            ], required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('recipient')
        t = cls.__table__()
        cls._sql_constraints = [
            ('automation_key_unique', Unique(t, t.automation, t.key),
                'connexion_marketing.msg_automation_item_unique'),
            ]

    @classmethod
    def insert(cls, rows):
        "Create [(automation, recipient, key, origin)] in SQL."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        user, now = Transaction().user, dt.datetime.now()
        for i in range(0, len(rows), 500):
            cursor.execute(*table.insert(
                    [table.automation, table.recipient, table.key,
                        table.origin, table.create_uid, table.create_date],
                    [list(r) + [user, now] for r in rows[i:i + 500]]))

    @classmethod
    def origins(cls, recipient_ids):
        "{recipient id: [(model, id)]} of the items of the recipients."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        result = defaultdict(list)
        for i in range(0, len(recipient_ids), 500):
            cursor.execute(*table.select(table.recipient, table.origin,
                    where=table.recipient.in_(recipient_ids[i:i + 500]),
                    order_by=[table.id]))
            for recipient, origin in cursor:
                model, _, id_ = origin.partition(',')
                result[recipient].append((model, int(id_)))
        return result


class Campaign(metaclass=PoolMeta):
    __name__ = 'connexion.marketing.campaign'

    automation = fields.Many2One(
        'connexion.marketing.automation', "Automation", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': Eval('segment') != 'automation'})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.segment.selection = cls.segment.selection + [
            ('automation', "Automation")]

    def segment_party_ids(self):
        if self.segment == 'automation':
            # The automation chose the recipients when it queued them.
            return set()
        return super().segment_party_ids()

    def _template_names(self):
        names = super()._template_names()
        if self.automation:
            names += NAMES
        return names

    def _recipient_values(self, rows):
        values = super()._recipient_values(rows)
        if not self.automation:
            return values
        pool = Pool()
        Item = pool.get('connexion.marketing.automation.item')
        Donation = pool.get('connexion.donation')
        origins = Item.origins([r.id for r in rows])
        for row in rows:
            ids = defaultdict(list)
            for model, id_ in origins.get(row.id, []):
                ids[model].append(id_)
            value = values.setdefault(row.id, {})
            donations = Donation.browse(ids['connexion.donation'])
            if ids['party.party']:
                donations = Donation.search([
                        ('party', 'in', ids['party.party']),
                        ('state', '=', 'validated'),
                        ], order=[('date', 'DESC'), ('id', 'DESC')],
                    limit=1)
            if donations:
                value['amount'] = format_amount(
                    sum(d.amount for d in donations))
                value['date'] = format_date(max(d.date for d in donations))
                value['year'] = value['date'][-4:]
        return values
