"""The recipients of a campaign: the outbox rows of its sending, and
what each did with it (opened, clicked, unsubscribed, bounced)."""
import datetime as dt

from trytond.i18n import gettext
from trytond.ir.session import token_hex
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .campaign import BATCH


class Recipient(ModelSQL, ModelView):
    __name__ = 'connexion.marketing.campaign.recipient'
    __string__ = "Campaign Recipient"

    campaign = fields.Many2One(
        'connexion.marketing.campaign', "Campaign", required=True,
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
                'connexion_marketing.msg_recipient_unique'),
            ('token_unique', Unique(t, t.token),
                'connexion_marketing.msg_recipient_unique'),
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
                proof=gettext('connexion_marketing.msg_unsubscribe_proof',
                    campaign=campaign.rec_name))
        self.unsubscribed = dt.datetime.now()
        self.save()

    @classmethod
    def bounce(cls, email):
        """A hard bounce: mark the recipients and stop using the address.

        Called for each bounce notice (e.g. by an inbound e-mail rule)."""
        pool = Pool()
        Suppression = pool.get('connexion.marketing.suppression')
        email = email.strip().lower()
        recipients = cls.search([('email', 'ilike', email)])
        cls.write(recipients, {'state': 'bounced'})
        if not Suppression.is_suppressed(email):
            Suppression.create([{'email': email, 'reason': 'bounce'}])
        return recipients
