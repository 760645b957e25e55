"""Import of donations, when the donations module (connexion_donation) is
activated: each gift is attached to its donor through the donor's key in
the same source (imported before with a donors profile) or their e-mail.

Historical gifts are imported as drafts: their accounting was done in the
old tool, so no move is posted for them here.
"""
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Count, Sum
from sql.functions import Extract

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import cleaning
from .cleaning import CleanError

DONATION_TARGETS = [('key', False), ('donor_key', False), ('email', False),
    ('date', True), ('amount', True), ('payment_method', False),
    ('check_number', False), ('campaign', False), ('notes', False)]
DONATION_CLEANERS = {
    'donor_key': cleaning.clean_char,
    'date': cleaning.clean_date,
    'amount': cleaning.clean_amount,
    'payment_method': cleaning.clean_char,
    'check_number': cleaning.clean_char,
    'campaign': cleaning.clean_char,
    'notes': cleaning.clean_char,
    }


class DonationImport:
    "The donation part of the import runs (mixed into connexion.import.run)."
    __slots__ = ()

    @classmethod
    def donation_model(cls):
        "connexion.donation, or None when its module is not activated."
        try:
            return Pool().get('connexion.donation')
        except KeyError:
            return None

    def check_donation(self, plan, row):
        values = row.values
        method = values.get('payment_method')
        if method:
            Donation = self.donation_model()
            methods = dict(Donation.fields_get(
                    ['payment_method'])['payment_method']['selection'])
            methods.pop(None, None)
            if method not in methods:
                row.reject(plan.column_name('payment_method'),
                    gettext('connexion_import.msg_unknown_code',
                        value=method, codes=', '.join(methods)))
        if not values.get('donor_key') and not values.get('email'):
            row.reject(plan.column_name('donor_key')
                or plan.column_name('email'),
                gettext('connexion_import.msg_donor_missing'))

    def find_donors(self, plan):
        """Donor of each gift: the party imported with the donor key from
        the same source, else the party with the e-mail; the campaign by
        name or code. One query per table for the whole file."""
        from .run import PartyIndex
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Campaign = pool.get('connexion.donation.campaign')
        by_key = Key.existing(self.profile.source, 'party')
        by_email = None
        campaigns = {}
        for campaign in Campaign.search([]):
            for name in filter(None, [campaign.name, campaign.code]):
                campaigns[cleaning.strip_accents(name).lower()] = campaign.id
        for row in plan.rows:
            if row.status is not None:
                continue
            values = row.values
            party = None
            if values.get('donor_key'):
                party = by_key.get(values['donor_key'])
                if not party:
                    row.reject(plan.column_name('donor_key'), gettext(
                            'connexion_import.msg_unknown_donor_key',
                            value=values['donor_key'],
                            source=self.profile.source))
                    continue
            elif values.get('email'):
                if by_email is None:
                    by_email = PartyIndex.load().by_email
                party = by_email.get(values['email'])
                if not party:
                    row.reject(plan.column_name('email'), gettext(
                            'connexion_import.msg_unknown_donor_email',
                            value=values['email']))
                    continue
            values['party'] = party
            if values.get('campaign'):
                campaign = campaigns.get(cleaning.strip_accents(
                        values['campaign']).lower())
                if not campaign:
                    row.reject(plan.column_name('campaign'), gettext(
                            'connexion_import.msg_unknown_campaign',
                            value=values['campaign']))
                    continue
                values['campaign'] = campaign

    def donation_company(self):
        "The company of the user (or the only one) receives the gifts."
        pool = Pool()
        Company = pool.get('company.company')
        User = pool.get('res.user')
        company = Transaction().context.get('company')
        if not company:
            user = User(Transaction().user)
            company = user.company.id if user.company else None
        if not company:
            companies = Company.search([], limit=2)
            if len(companies) == 1:
                company = companies[0].id
        if not company:
            raise CleanError('connexion_import.msg_no_company')
        return Company(company)

    def save_donations(self, rows):
        "One create for the whole batch (the ORM checks every gift)."
        Donation = self.donation_model()
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        company = self.donation_company()
        donations = Donation.create([{
                    'company': company.id,
                    'currency': company.currency.id,
                    'party': r.values['party'],
                    'date': r.values['date'],
                    'amount': r.values['amount'],
                    'payment_method': r.values.get('payment_method'),
                    'check_number': r.values.get('check_number'),
                    'campaign': r.values.get('campaign'),
                    'notes': r.values.get('notes'),
                    } for r in rows])
        for row, donation in zip(rows, donations):
            row.match = donation.id

    def donation_indicators(self):
        "{year: [gifts, amount]} of the gifts imported from the source."
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Donation = self.donation_model()
        key = Key.__table__()
        donation = Donation.__table__()
        cursor = Transaction().connection.cursor()
        year = Extract('YEAR', donation.date)
        cursor.execute(*key.join(donation,
                condition=key.record == donation.id).select(
                year, Count(donation.id), Sum(donation.amount),
                where=(key.source == self.profile.source)
                & (key.entity == 'donation'),
                group_by=[year]))
        result = defaultdict(lambda: [0, Decimal(0)])
        for year, count, amount in cursor:
            result[int(year)] = [count, Decimal(str(amount or 0)).quantize(
                    Decimal('0.01'))]
        return result
