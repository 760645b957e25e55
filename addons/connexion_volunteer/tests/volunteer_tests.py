"""Unit tests of volunteers, missions and hours, mixed into the test case."""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

TODAY = dt.date.today()
# ir.date's today is TODAY in the tests, also when they run past midnight.
TODAY_CONTEXT = {'date': TODAY}


def make_volunteer(name, status='active', criminal_record=True,
        check_date=None, check_expiry=None):
    "A volunteer with charter and interview, brought to the status."
    pool = Pool()
    Party = pool.get('party.party')
    Volunteer = pool.get('connexion.volunteer')
    Item = pool.get('connexion.volunteer.onboarding')
    party = Party(name=name)
    party.save()
    volunteer = Volunteer(party=party)
    volunteer.save()
    if status == 'candidate':
        return volunteer
    start = TODAY - dt.timedelta(days=100)
    items = [
        {'volunteer': volunteer.id, 'kind': 'charter', 'date': start},
        {'volunteer': volunteer.id, 'kind': 'interview', 'date': start}]
    if criminal_record:
        items.append({'volunteer': volunteer.id, 'kind': 'criminal_record',
                'date': check_date or start,
                'expiry_date': check_expiry or start + dt.timedelta(days=3 * 365)})
    Item.create(items)
    Volunteer.onboard([volunteer])
    if status != 'onboarding':
        Volunteer.activate([volunteer])
    return Volunteer(volunteer.id)


def make_mission(name="Visites", minors=False, seats=1, days=7, team=None,
        **values):
    pool = Pool()
    Team = pool.get('connexion.team')
    Mission = pool.get('connexion.mission')
    if team is None:
        team = Team.search([('name', '=', "Hôpitaux")])
        if team:
            team, = team
        else:
            team = Team(name="Hôpitaux")
            team.save()
    start = dt.datetime.combine(
        TODAY + dt.timedelta(days=days), dt.time(13))
    mission = Mission(name=name, team=team, minors=minors, seats=seats,
        first_start=start, first_end=start + dt.timedelta(hours=3), **values)
    mission.save()
    Mission.generate_shifts([mission])
    Mission.open([mission])
    return Mission(mission.id)


class VolunteerTestMixin:

    @with_transaction(context=TODAY_CONTEXT)
    def test_volunteer_onboarding_workflow(self):
        "A candidate becomes active only with charter and interview"
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        Item = pool.get('connexion.volunteer.onboarding')
        volunteer = make_volunteer("Agathe Test", status='candidate')
        self.assertTrue(volunteer.calendar_token)
        Volunteer.onboard([volunteer])
        # What is still missing shows, not only what is done.
        self.assertEqual(Volunteer(volunteer.id).onboarding_missing,
            "- Charter Signed\n- Interview")
        with self.assertRaises(ValidationError) as cm:
            Volunteer.activate([volunteer])
        self.assertIn("Agathe Test", cm.exception.message)
        Item.create([
                {'volunteer': volunteer.id, 'kind': 'charter'},
                {'volunteer': volunteer.id, 'kind': 'interview',
                    'date': TODAY - dt.timedelta(days=400),
                    'expiry_date': TODAY - dt.timedelta(days=35)}])
        # The interview expired: not enough.
        self.assertEqual(
            Volunteer(volunteer.id).onboarding_missing, "- Interview")
        with self.assertRaises(ValidationError):
            Volunteer.activate([volunteer])
        Item.create([{'volunteer': volunteer.id, 'kind': 'interview'}])
        self.assertEqual(Volunteer(volunteer.id).onboarding_missing,
            "Nothing: the items needed to act are done.")
        Volunteer.activate([volunteer])
        self.assertEqual(Volunteer(volunteer.id).status, 'active')
        # Pausing needs a reason.
        with self.assertRaises(ValidationError):
            Volunteer.pause([volunteer])
        self.assertEqual(Volunteer(volunteer.id).status, 'active')
        Volunteer.write([volunteer], {'status_reason': "Examens"})
        Volunteer.pause([volunteer])
        self.assertEqual(Volunteer(volunteer.id).status, 'paused')

    @with_transaction(context=TODAY_CONTEXT)
    def test_criminal_record_required_with_minors(self):
        "Without a valid criminal-record check, no mission with children"
        pool = Pool()
        Signup = pool.get('connexion.mission.signup')
        Item = pool.get('connexion.volunteer.onboarding')
        unchecked = make_volunteer("Bastien Test", criminal_record=False)
        expiring = make_volunteer("Céline Test",
            check_expiry=TODAY + dt.timedelta(days=3))
        cleared = make_volunteer("Damien Test")
        mission = make_mission(minors=True, seats=3, days=7)
        shift, = mission.shifts
        for volunteer in [unchecked, expiring]:
            with self.assertRaises(ValidationError) as cm:
                Signup.sign_up(volunteer, shift)
            self.assertIn(volunteer.rec_name, cm.exception.message)
        self.assertEqual(Signup.sign_up(cleared, shift).state, 'accepted')
        self.assertFalse(Signup.search([
                    ('volunteer', 'in', [unchecked.id, expiring.id])]))
        # Renewing the check clears the volunteer.
        Item.create([{'volunteer': expiring.id, 'kind': 'criminal_record',
                    'date': TODAY,
                    'expiry_date': TODAY + dt.timedelta(days=1000)}])
        self.assertEqual(Signup.sign_up(expiring, shift).state, 'accepted')
        # A mission without children does not need it.
        other = make_mission(name="Permanence", days=8, team=mission.team)
        self.assertEqual(
            Signup.sign_up(unchecked, other.shifts[0]).state, 'accepted')

    @with_transaction(context=TODAY_CONTEXT)
    def test_waiting_list_and_gaps(self):
        "A full shift puts volunteers on a waiting list; gaps are found"
        pool = Pool()
        Signup = pool.get('connexion.mission.signup')
        Shift = pool.get('connexion.mission.shift')
        anne = make_volunteer("Anne Test")
        bruno = make_volunteer("Bruno Test")
        mission = make_mission(seats=1, recurrence='weekly',
            until=TODAY + dt.timedelta(days=22))
        self.assertEqual(len(mission.shifts), 3)
        first = mission.shifts[0]
        self.assertEqual(
            Shift.search([('missing', '>', 0)]), list(mission.shifts))
        first_signup = Signup.sign_up(anne, first)
        self.assertEqual(first_signup.state, 'accepted')
        waiting = Signup.sign_up(bruno, first)
        self.assertEqual(waiting.state, 'waiting')
        # Signing up twice changes nothing.
        self.assertEqual(Signup.sign_up(bruno, first), waiting)
        self.assertEqual(
            Shift.search([('missing', '>', 0)]), list(mission.shifts[1:]))
        self.assertEqual(Shift(first.id).missing, 0)
        Signup.cancel([first_signup])
        self.assertEqual(Signup(waiting.id).state, 'accepted')
        self.assertEqual(Signup(first_signup.id).state, 'cancelled')
        # Generating again does not duplicate shifts.
        pool.get('connexion.mission').generate_shifts([mission])
        self.assertEqual(Shift.search([('mission', '=', mission.id)],
                count=True), 3)

    @with_transaction(context=TODAY_CONTEXT)
    def test_signup_refused_when_closed_or_inactive(self):
        "Self sign-up only to open missions, by active volunteers"
        pool = Pool()
        Signup = pool.get('connexion.mission.signup')
        Mission = pool.get('connexion.mission')
        candidate = make_volunteer("Chloé Test", status='candidate')
        active = make_volunteer("Denis Test")
        mission = make_mission()
        shift, = mission.shifts
        with self.assertRaises(ValidationError):
            Signup.sign_up(candidate, shift)
        Mission.close([mission])
        with self.assertRaises(ValidationError):
            Signup.sign_up(active, shift)
        self.assertFalse(Signup.search([]))

    @with_transaction(context=TODAY_CONTEXT)
    def test_hours_valuation(self):
        "Validated hours are valued at the rate of the level on their date"
        pool = Pool()
        Hours = pool.get('connexion.volunteer.hours')
        Rate = pool.get('connexion.volunteer.rate')
        Level = pool.get('connexion.volunteer.level')
        Valuation = pool.get('connexion.volunteer.valuation')
        Signup = pool.get('connexion.mission.signup')
        smic, = Level.search([('code', '=', 'SMIC')])
        smic2, = Level.search([('code', '=', 'SMIC2')])
        year = TODAY.year - 1
        Rate.create([
                {'level': smic.id, 'start_date': dt.date(year, 1, 1),
                    'hourly_rate': Decimal('11.88')},
                {'level': smic.id, 'start_date': dt.date(year, 7, 1),
                    'hourly_rate': Decimal('12.00')},
                {'level': smic2.id, 'start_date': dt.date(year, 1, 1),
                    'hourly_rate': Decimal('23.76')},
                ])
        anne = make_volunteer("Anne Test")
        bruno = make_volunteer("Bruno Test")
        bruno.level = smic2
        bruno.save()
        mission = make_mission()
        lines = Hours.create([
                {'volunteer': anne.id, 'mission': mission.id,
                    'date': dt.date(year, 3, 1), 'hours': Decimal('2.5')},
                {'volunteer': anne.id, 'mission': mission.id,
                    'date': dt.date(year, 9, 1), 'hours': Decimal('3'),
                    'distance': 12},
                {'volunteer': bruno.id, 'mission': mission.id,
                    'date': dt.date(year, 9, 1), 'hours': Decimal('2')},
                ])
        self.assertFalse(Valuation.search([]))
        Hours.validate_hours(lines)
        self.assertEqual(
            [l.amount for l in Hours.browse(lines)],
            [Decimal('29.70'), Decimal('36.00'), Decimal('47.52')])
        # A later change of the table does not rewrite validated hours.
        rate, = Rate.search([('hourly_rate', '=', Decimal('12.00'))])
        rate.hourly_rate = Decimal('13')
        rate.save()
        self.assertEqual(Hours(lines[1].id).amount, Decimal('36.00'))
        rows = Valuation.search([('year', '=', year)])
        by_volunteer = {r.volunteer: r for r in rows}
        self.assertEqual(by_volunteer[anne].hours, Decimal('5.5'))
        self.assertEqual(by_volunteer[anne].distance, 12)
        self.assertEqual(by_volunteer[anne].amount, Decimal('65.70'))
        self.assertEqual(by_volunteer[anne].team, mission.team)
        self.assertEqual(Valuation.totals(year),
            (Decimal('7.5'), Decimal('113.22')))
        # The dashboards' hours per team and month.
        HoursMonth = pool.get('connexion.volunteer.hours.month')
        self.assertEqual(
            [(m.month, m.team, m.volunteers, m.hours)
                for m in HoursMonth.search([])],
            [(f'{year}-03', mission.team, 1, Decimal('2.50')),
                (f'{year}-09', mission.team, 2, Decimal('5.00'))])
        # Validated hours cannot be deleted; before the table, no rate.
        with self.assertRaises(ValidationError):
            Hours.delete([lines[0]])
        early, = Hours.create([{'volunteer': anne.id, 'mission': mission.id,
                    'date': dt.date(year - 1, 3, 1), 'hours': 1}])
        with self.assertRaises(ValidationError):
            Hours.validate_hours([early])
        # The portal only logs hours of missions the volunteer joined.
        with self.assertRaises(ValidationError):
            Hours.log_hours(anne, mission, TODAY, Decimal(2))
        Signup.create([{'shift': mission.shifts[0].id, 'volunteer': anne.id,
                    'state': 'accepted'}])
        line = Hours.log_hours(anne, mission, TODAY, Decimal(2))
        self.assertEqual((line.state, line.origin), ('draft', 'portal'))
        with self.assertRaises(ValidationError):
            Hours.log_hours(anne, mission, TODAY + dt.timedelta(days=1), 2)
        with self.assertRaises(ValidationError):
            Hours.log_hours(anne, mission, TODAY, Decimal(30))

    @with_transaction(context=TODAY_CONTEXT)
    def test_onboarding_reminders(self):
        "Items expiring within 30 days are reminded once, unless renewed"
        pool = Pool()
        Item = pool.get('connexion.volunteer.onboarding')
        soon = make_volunteer("Émile Test",
            check_expiry=TODAY + dt.timedelta(days=20))
        renewed = make_volunteer("Fanny Test",
            check_expiry=TODAY + dt.timedelta(days=10))
        make_volunteer("Gilles Test",
            check_expiry=TODAY + dt.timedelta(days=200))
        Item.create([{'volunteer': renewed.id, 'kind': 'criminal_record',
                    'date': TODAY,
                    'expiry_date': TODAY + dt.timedelta(days=1000)}])
        pool.get('party.contact_mechanism').create([{'party': soon.party.id,
                    'type': 'email', 'value': 'emile@exemple.test'}])
        reminded = Item.send_reminders()
        self.assertEqual([i.volunteer for i in reminded], [soon])
        self.assertEqual(Item(reminded[0].id).reminded, TODAY)
        self.assertEqual(Item.send_reminders(), [])
        # The e-mail waits in the outbox, committed with the stamp.
        message, = pool.get('connexion.outbox.message').search([])
        self.assertEqual((message.party, message.origin, message.state),
            (soon.party, reminded[0], 'pending'))
        self.assertEqual(message.to, 'emile@exemple.test')

    @with_transaction(context=TODAY_CONTEXT)
    def test_expense_waiver(self):
        "Waived expenses need receipts and a written renunciation"
        pool = Pool()
        Expense = pool.get('connexion.volunteer.expense')
        anne = make_volunteer("Anne Test")
        expense, = Expense.create([{'volunteer': anne.id,
                    'description': "Jouets pour l'atelier",
                    'amount': Decimal('42.50')}])
        with self.assertRaises(ValidationError):
            Expense.approve([expense])
        expense.receipts = True
        expense.save()
        Expense.approve([expense])
        with self.assertRaises(ValidationError):
            Expense.waive([expense])
        self.assertEqual(Expense(expense.id).state, 'approved')
        expense.renunciation = ("Je renonce expressément au remboursement "
            "de ces frais et les laisse à l'association à titre de don.")
        expense.save()
        Expense.waive([expense])
        expense = Expense(expense.id)
        self.assertEqual(expense.state, 'waived')
        self.assertEqual(expense.renunciation_date, TODAY)
        self.assertEqual(Expense.to_hand_over(), [expense])
        with self.assertRaises(ValidationError):
            Expense.delete([expense])
        Expense.hand_over([expense])
        self.assertEqual(Expense.to_hand_over(), [])
