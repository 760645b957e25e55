"""Import of donations, when the donations module (connexion_donation) is
activated: each gift is attached to its donor through their key in the
same source (imported before with a contacts profile) or their e-mail
(membership.py does the same for members).

Historical gifts are imported as drafts: their accounting was done in the
old tool, so no move is posted for them here.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from connexion_asso.duplicate import PartyIndex
from connexion_donation.exceptions import DonationError

from . import cleaning
from .bulk import create as bulk_create
from .cleaning import CleanError
from .importer import Importer

CLEANERS = dict(Importer.cleaners,
    donor_key=cleaning.clean_char,
    date=cleaning.clean_date,
    amount=cleaning.clean_amount,
    payment_method=cleaning.clean_char,
    check_number=cleaning.clean_char,
    campaign=cleaning.clean_char,
    notes=cleaning.clean_char)

class DonorImporter(Importer):
    """What gifts and memberships share: their donor or member, found by
    key or e-mail, and the company that receives them."""
    model = None
    cleaners = CLEANERS

    def check_row(self, plan, row):
        self.reject_unknown(plan, row, self.model, 'payment_method')
        self.check_key_or_email(plan, row, 'donor_key', 'donor')

    def match(self, plan):
        """Donor of each gift: the party imported with the donor key from
        the same source, else the party with the e-mail; the campaign by
        name or code. One query per table for the whole file."""
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Campaign = pool.get('connexion.donation.campaign')
        campaigns = {}
        for campaign in Campaign.search([]):
            for name in filter(None, [campaign.name, campaign.code]):
                campaigns[cleaning.code_key(name)] = campaign.id
        for row, party in self.rows_by_person(plan, 'donor_key',
                Key.existing(self.profile.source, 'party'),
                lambda: PartyIndex.load().by_email, 'donor'):
            values = row.values
            values['party'] = party
            if values.get('campaign'):
                campaign = campaigns.get(cleaning.code_key(values['campaign']))
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


class DonationImporter(DonorImporter):
    "Gifts."
    entity = 'donation'
    model = 'connexion.donation'
    targets = [('key', False), ('donor_key', False), ('email', False),
        ('date', True), ('amount', True), ('payment_method', False),
        ('check_number', False), ('campaign', False), ('notes', False)]
    required = [('donor_key', 'email'), ('date',), ('amount',)]
    indicators = ('connexion.donation', 'date', 'amount')
    sql_hooks = {
        'connexion.donation': {
            # positive amount: re-checked in save_bulk.
            'connexion_donation.donation.Donation.validate_fields',
            # only about writes and deletes of validated gifts, and
            # deletes of expense waivers.
            'connexion_donation.donation.Donation.check_modification',
            'connexion_donation.expense.Donation.check_modification',
            # only about the workflow fields of a client's values: the
            # bulk path writes drafts without them.
            'connexion_asso.workflow.TransitionOnlyMixin.create',
            'connexion_asso.workflow.TransitionOnlyMixin.check_modification',
            },
        }

    def save(self, rows):
        "One create for the whole batch (the ORM checks every gift)."
        Donation = Pool().get('connexion.donation')
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

    def save_bulk(self, rows):
        """Bulk path: the gifts written with SQL by bulk.create (access,
        record rules, defaults such as the draft state, required and
        selection values, schema constraints: see bulk.py). The rule of
        ``Donation.validate_fields`` is checked again for the batch: a
        positive amount (also in the currency's digits). Drafts without a
        move, as the ORM path creates them. A module adding another create
        hook to gifts sends them back to the ORM (save)."""
        if not self.sql_allowed(self.model):
            self.save(rows)
            return
        Donation = Pool().get('connexion.donation')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        company = self.donation_company()
        currency = company.currency
        exponent = Decimal(1).scaleb(-currency.digits)
        company_id, currency_id = company.id, currency.id
        vlist = []
        for row in rows:
            values = row.values
            amount = values['amount']
            if amount is not None and (
                    amount <= 0 or amount.quantize(exponent) != amount):
                raise DonationError(gettext(
                        'connexion_donation.msg_donation_amount_positive',
                        donation=f"{values['date']} {amount}"))
            vlist.append({
                    'company': company_id,
                    'currency': currency_id,
                    'party': values['party'],
                    'date': values['date'],
                    'amount': amount,
                    'payment_method': values.get('payment_method'),
                    'check_number': values.get('check_number'),
                    'campaign': values.get('campaign'),
                    'notes': values.get('notes'),
                    })
        for row, donation in zip(rows, bulk_create(Donation, vlist)):
            row.match = donation


# Registered only when connexion_donation is activated (tryton.cfg).
class Run(metaclass=PoolMeta):
    __name__ = 'connexion.import.run'

    @classmethod
    def _importers(cls):
        return super()._importers() + [DonationImporter]
