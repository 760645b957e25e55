"""Import of donations and memberships, when the donations module
(connexion_donation) is activated: each gift or membership is attached to
its donor or member through their key in the same source (imported before
with a contacts profile) or their e-mail.

Historical gifts are imported as drafts: their accounting was done in the
old tool, so no move is posted for them here. Historical memberships are
imported validated, without a move for the same reason, so that the
members' statuses (active, expired) and renewal reminders are right.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from connexion_asso.duplicate import PartyIndex
from connexion_asso.workflow import workflow_values_allowed

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
    notes=cleaning.clean_char,
    membership_type=cleaning.clean_char,
    start_date=cleaning.clean_date,
    end_date=cleaning.clean_end_date)

class DonorImporter(Importer):
    """What gifts and memberships share: their donor or member, found by
    key or e-mail, and the company that receives them."""
    model = None
    cleaners = CLEANERS

    def check_row(self, plan, row):
        values = row.values
        self.reject_unknown(plan, row, self.model, 'payment_method')
        if not values.get('donor_key') and not values.get('email'):
            row.reject(plan.column_name('donor_key')
                or plan.column_name('email'),
                gettext('connexion_import.msg_donor_missing'))

    def match(self, plan):
        """Donor of each gift: the party imported with the donor key from
        the same source, else the party with the e-mail; the campaign by
        name or code. One query per table for the whole file."""
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Campaign = pool.get('connexion.donation.campaign')
        by_key = Key.existing(self.profile.source, 'party')
        by_email = None
        types = None
        campaigns = {}
        for campaign in Campaign.search([]):
            for name in filter(None, [campaign.name, campaign.code]):
                campaigns[cleaning.code_key(name)] = campaign.id
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
            if values.get('membership_type'):
                if types is None:
                    types = self.membership_types()
                if not self.find_membership_type(plan, row, types):
                    continue
            if values.get('campaign'):
                campaign = campaigns.get(cleaning.code_key(values['campaign']))
                if not campaign:
                    row.reject(plan.column_name('campaign'), gettext(
                            'connexion_import.msg_unknown_campaign',
                            value=values['campaign']))
                    continue
                values['campaign'] = campaign

    @staticmethod
    def membership_types():
        "{name without case nor accents, in any language: (id, fee)}."
        Type = Pool().get('connexion.membership.type')
        types = {}
        for language in ['en', 'fr']:
            with Transaction().set_context(language=language):
                for type_ in Type.search([]):
                    types[cleaning.code_key(type_.name)] = (
                        type_.id, type_.fee)
        return types

    def find_membership_type(self, plan, row, types):
        "The membership type of the row by its name."
        value = row.values['membership_type']
        type_ = types.get(cleaning.code_key(value))
        if not type_:
            row.reject(plan.column_name('membership_type'), gettext(
                    'connexion_import.msg_unknown_membership_type',
                    value=value, types=', '.join(sorted(types))))
            return False
        # Without a fee in the file, the type's fee: the indicators of the
        # file then count what the database will hold.
        row.values['membership_type'], fee = type_
        if not row.values.get('amount') and fee is not None:
            row.values['amount'] = Decimal(fee).quantize(Decimal('0.01'))
        return True

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
                raise ValidationError(gettext(
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


class MembershipImporter(DonorImporter):
    "Memberships."
    entity = 'membership'
    model = 'connexion.membership'
    targets = [('key', False), ('donor_key', False), ('email', False),
        ('membership_type', True), ('start_date', True), ('end_date', False),
        ('date', False), ('amount', False), ('payment_method', False),
        ('notes', False)]
    required = [('donor_key', 'email'), ('membership_type',),
        ('start_date',)]
    date_target = 'start_date'
    indicators = ('connexion.membership', 'start_date', 'amount')

    def check_row(self, plan, row):
        values = row.values
        super().check_row(plan, row)
        if (values.get('end_date') and values.get('start_date')
                and values['end_date'] < values['start_date']):
            row.reject(plan.column_name('end_date'), gettext(
                    'connexion_import.msg_end_before_start'))

    def save(self, rows):
        "One create for the whole batch (the ORM checks every membership)."
        Membership = Pool().get('connexion.membership')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        company = self.donation_company()
        vlist = []
        for row in rows:
            values = {
                'company': company.id,
                'currency': company.currency.id,
                'party': row.values['party'],
                'type': row.values['membership_type'],
                'start_date': row.values['start_date'],
                'date': row.values.get('date') or row.values['start_date'],
                'payment_method': row.values.get('payment_method'),
                'notes': row.values.get('notes'),
                'state': 'validated',
                }
            # Without them, the type gives the fee and the end date.
            for name in ['end_date', 'amount']:
                if row.values.get(name):
                    values[name] = row.values[name]
            vlist.append(values)
        # Fees already paid: validated as the association's history.
        with workflow_values_allowed():
            memberships = Membership.create(vlist)
        for row, membership in zip(rows, memberships):
            row.match = membership.id


# Registered only when connexion_donation is activated (tryton.cfg).
class Run(metaclass=PoolMeta):
    __name__ = 'connexion.import.run'

    @classmethod
    def _importers(cls):
        return super()._importers() + [DonationImporter, MembershipImporter]
