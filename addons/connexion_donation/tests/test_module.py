import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin

from .support import (
    FUNDRAISING_ACCESS, as_team, gift_values, validated_gift_values)


class DonationTestCase(CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Donation module"
    module = 'connexion_donation'

    @with_transaction()
    def test_expenses_cron_without_company(self):
        "The daily expense-waiver cron runs when it names no company"
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Config = pool.get('connexion.donation.configuration')
        Journal = pool.get('account.journal')
        create_company()
        configuration = Config(1)
        configuration.journal, = Journal.search([], limit=1)
        configuration.save()
        # trytond-cron runs a cron created before any company without one.
        with Transaction().set_context(company=None):
            Donation.create_from_expenses_cron()

    @with_transaction()
    def test_access_per_team(self):
        "Fundraising and finances manage gifts; Dreams, Hospitals and portal "
        "volunteers cannot even read them, nor the donors' totals"
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Armelle Dujardin"}])
            donation, = Donation.create([validated_gift_values(company, party,
                        dt.date(2025, 1, 1), Decimal(10))])
            for login, group, allowed in FUNDRAISING_ACCESS:
                with as_team(self, login, group, company):
                    if allowed:
                        self.assertEqual(Donation.search(
                                [('state', '=', 'validated')]), [donation])
                        draft, = Donation.create([gift_values(company, party,
                                    amount=Decimal(5), payment_method='cash')])
                        Donation.write([draft], {'amount': Decimal(6)})
                        total = Party.read([party.id], ['donation_total'])
                        self.assertEqual(
                            total[0]['donation_total'], Decimal(10))
                    else:
                        with self.assertRaises(AccessError):
                            Donation.search([])
                        with self.assertRaises(AccessError):
                            Donation.read([donation.id], ['amount'])
                        if group != 'group_volunteer':
                            with self.assertRaises(AccessError):
                                Party.read([party.id], ['donation_total'])

    @with_transaction()
    def test_donor_history(self):
        "Totals, first and last gift, lapsed donors (LYBUNT, SYBUNT)"
        pool = Pool()
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        DonorYear = pool.get('connexion.donation.donor_year')
        this_year = dt.date.today().year
        company = create_company()
        with set_company(company):
            loyal, lapsed, older, new = Party.create([
                    {'name': n} for n in ["Fidèle", "Perdue", "Ancienne",
                        "Nouvelle"]])
            values = []
            for party, years in [(loyal, [this_year - 2, this_year - 1,
                            this_year]),
                    (lapsed, [this_year - 2, this_year - 1]),
                    (older, [this_year - 3]), (new, [this_year])]:
                for year in years:
                    values.append(validated_gift_values(company, party,
                            dt.date(year, 1, 1), Decimal(year - 2000)))
            # A draft gift counts for nothing.
            values.append(dict(values[-1], state='draft',
                    amount=Decimal(1000)))
            Donation.create(values)
            lapsed = Party(lapsed.id)
            self.assertEqual(lapsed.donation_count, 2)
            self.assertEqual(lapsed.donation_total,
                Decimal(2 * this_year - 4003))
            self.assertEqual(lapsed.first_donation_date,
                dt.date(this_year - 2, 1, 1))
            self.assertEqual(lapsed.last_donation_date,
                dt.date(this_year - 1, 1, 1))
            self.assertEqual(Party(new.id).donation_year_total,
                Decimal(this_year - 2000))
            self.assertEqual(
                Party.search([('lybunt', '=', True)]), [lapsed])
            self.assertEqual(
                Party.search([('sybunt', '=', True)]), [Party(older.id)])
            self.assertEqual([p.lybunt for p in Party.browse(
                            [loyal, lapsed, older, new])],
                [False, True, False, False])
            self.assertNotIn(lapsed, Party.search([('lybunt', '=', False)]))
            years = DonorYear.search([('party', '=', loyal.id)])
            self.assertEqual([(y.year, y.count, y.amount) for y in years],
                [(str(y), 1, Decimal(y - 2000)) for y in [
                        this_year, this_year - 1, this_year - 2]])
            # The dashboards: funds per month and per year, the donors
            # of each year, new ones and those kept from the year before.
            Month = pool.get('connexion.donation.month')
            Year = pool.get('connexion.donation.year')
            y = this_year
            self.assertEqual(
                [(m.month, m.gifts, m.donors, m.amount)
                    for m in Month.search([])],
                [(f'{y - 3}-01', 1, 1, Decimal(y - 2003)),
                    (f'{y - 2}-01', 2, 2, Decimal(2 * (y - 2002))),
                    (f'{y - 1}-01', 2, 2, Decimal(2 * (y - 2001))),
                    (f'{y}-01', 2, 2, Decimal(2 * (y - 2000)))])
            self.assertEqual(
                [(r.year, r.donors, r.new_donors, r.retained_donors,
                        r.retention, r.amount) for r in Year.search([])],
                [(str(y - 3), 1, 1, 0, None, Decimal(y - 2003)),
                    (str(y - 2), 2, 2, 0, 0, Decimal(2 * (y - 2002))),
                    (str(y - 1), 2, 0, 2, 100, Decimal(2 * (y - 2001))),
                    (str(y), 2, 1, 1, 50, Decimal(2 * (y - 2000)))])


del ModuleTestCase
