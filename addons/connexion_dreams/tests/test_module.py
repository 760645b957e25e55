import datetime as dt
from decimal import Decimal

from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.translations import load_french

from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin

from ..child import age_on
from ..exceptions import VisitReportError
from .access_tests import DreamAccessTestMixin
from .support import (
    TODAY, TODAY_CONTEXT, create_base, create_child, create_schedule,
    create_volunteer, refused)


class ConnexionDreamsTestCase(DreamAccessTestMixin,
        CompanyTestMixin, CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Dreams module"
    module = 'connexion_dreams'

    def _dream(self, hospital, child, **values):
        Dream = Pool().get('connexion.dream')
        values.setdefault('serious_illness', True)
        dream, = Dream.create([{
                    'child': child.id,
                    'hospital': hospital.id,
                    **values}])
        return dream

    def test_age(self):
        "The age counts full years only"
        self.assertEqual(age_on(dt.date(2015, 6, 15), dt.date(2026, 6, 14)), 10)
        self.assertEqual(age_on(dt.date(2015, 6, 15), dt.date(2026, 6, 15)), 11)
        self.assertEqual(age_on(None, dt.date(2026, 6, 15)), None)

    @with_transaction(context=TODAY_CONTEXT)
    def test_workflow_steps(self):
        "Each step is dated, plans the next one and is checked"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        Wish = pool.get('connexion.dream.wish')
        Activity = pool.get('connexion.dream.activity')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            tutor = create_volunteer("Claire Vasseur")
            dream = self._dream(hospital, child)
            self.assertEqual(dream.state, 'referral')

            Dream.check_eligibility([dream])
            self.assertEqual(dream.state, 'eligible')
            self.assertEqual(dream.eligibility_date, TODAY)
            step, = Activity.search([
                    ('dream', '=', dream.id), ('done', '=', False)])
            self.assertEqual(step.kind, 'step')
            self.assertEqual(step.due_date, TODAY + dt.timedelta(days=15))

            # No approval without the approving doctor.
            with refused(self, UserError):
                Dream.approve([dream])
            dream.medical_doctor = hospital.contacts[0]
            dream.save()
            Dream.approve([dream])
            self.assertEqual(dream.medical_approval_date, TODAY)
            # The previous step is answered.
            self.assertTrue(Activity(step.id).done)

            with refused(self, UserError):
                Dream.discover([dream])
            dream.tutor = tutor
            dream.save()
            Dream.discover([dream])

            Wish.create([
                    {'dream': dream.id, 'rank': 1, 'category': 'meet',
                        'description': "Rencontrer un pompier"},
                    {'dream': dream.id, 'rank': 2, 'category': 'go',
                        'description': "Voir la mer"},
                    ])
            with refused(self, UserError):
                Dream.design([dream])
            dream.chosen_wish = dream.wishes[0]
            dream.save()
            Dream.design([dream])
            self.assertEqual(dream.category, 'meet')
            self.assertEqual(Dream.search([('category', '=', 'meet')]),
                [dream])
            # An analytic account under the "Rêves" root.
            self.assertTrue(dream.analytic_account)
            self.assertEqual(dream.analytic_account.root.code, 'REVES')

            # What the next step needs, all of it and where, up front.
            self.assertEqual(Dream(dream.id).next_step,
                'Before "Schedule", fill in:\n'
                '- Dream Date (the tab "Realisation and Follow-up")\n'
                '- Plan (the tab "Wishes and Design")')
            with refused(self, UserError) as cm:
                Dream.schedule([dream])
            self.assertEqual(cm.exception.description,
                '"Dream Date" is on the tab "Realisation and Follow-up".')
            dream.dream_date = TODAY + dt.timedelta(days=20)
            dream.save()
            self.assertEqual(Dream(dream.id).next_step,
                'Before "Schedule", fill in:\n'
                '- Plan (the tab "Wishes and Design")')
            dream.plan = "Journée à la caserne"
            dream.save()
            self.assertEqual(
                Dream(dream.id).next_step, 'Ready for "Schedule".')
            Dream.schedule([dream])
            Dream.realise([dream])
            self.assertEqual(dream.lead_time, 0)
            Dream.follow_up([dream])
            with refused(self, UserError):
                Dream.close([dream])
            dream.feedback = "Noé a conduit le camion."
            dream.save()
            Dream.close([dream])
            self.assertEqual(dream.state, 'closed')
            self.assertIsNone(Dream(dream.id).next_step)
            self.assertEqual(dream.closing_date, TODAY)
            self.assertFalse(Activity.search([
                        ('dream', '=', dream.id), ('done', '=', False)]))

    @with_transaction(context=TODAY_CONTEXT)
    def test_no_realisation_without_medical_approval(self):
        "A dream cannot be realised, nor dated, before medical approval"
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            with refused(self, ValidationError):
                self._dream(hospital, child,
                    realisation_date=TODAY)
            with refused(self, ValidationError):
                self._dream(hospital, child,
                    dream_date=TODAY)
            with refused(self, ValidationError):
                self._dream(hospital, child,
                    medical_approval_date=TODAY,
                    dream_date=TODAY - dt.timedelta(days=1))

    @with_transaction(context=TODAY_CONTEXT)
    def test_dates_ordered(self):
        "The dates of the steps follow each other"
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            with refused(self, ValidationError) as cm:
                self._dream(hospital, child,
                    referral_date=TODAY,
                    eligibility_date=TODAY - dt.timedelta(days=3))
            self.assertIn("Eligibility Date", cm.exception.message)
            dream = self._dream(hospital, child,
                referral_date=TODAY - dt.timedelta(days=60),
                eligibility_date=TODAY - dt.timedelta(days=50),
                medical_approval_date=TODAY - dt.timedelta(days=40),
                realisation_date=TODAY - dt.timedelta(days=10))
            self.assertEqual(dream.lead_time, 50)
            dream.design_date = TODAY - dt.timedelta(days=5)
            with refused(self, ValidationError):
                dream.save()

    @with_transaction(context=TODAY_CONTEXT)
    def test_second_dream_needs_override(self):
        "A child with a dream gets a second one only with a reason"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            first = self._dream(hospital, child)
            with refused(self, ValidationError):
                self._dream(hospital, child)
            with refused(self, ValidationError):
                # The box alone is not enough: the reason is required.
                self._dream(hospital, child, second_dream=True)
            second = self._dream(hospital, child, second_dream=True,
                second_dream_reason="Rechute, décision du bureau")
            self.assertEqual(second.state, 'referral')
            # A refused dream does not count.
            Dream.write([second], {'reason': "Doublon"})
            Dream.refuse([second])
            third = self._dream(hospital, child, second_dream=True,
                second_dream_reason="Rechute")
            self.assertEqual(Dream.search([
                        ('child', '=', child.id),
                        ('state', '!=', 'refused')]), [first, third])

    @with_transaction(context=TODAY_CONTEXT)
    def test_eligibility(self):
        "Age at referral and serious illness are checked"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        Child = pool.get('connexion.child')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            dream = self._dream(hospital, child, serious_illness=False)
            with refused(self, ValidationError):
                Dream.check_eligibility([dream])
            Dream.write([dream], {'serious_illness': True})
            Child.write([child], {
                    'birth_date': TODAY.replace(year=TODAY.year - 19)})
            with refused(self, ValidationError) as cm:
                Dream.check_eligibility([dream])
            self.assertIn("19", cm.exception.message)
            self.assertEqual(dream.state, 'referral')
            with refused(self, ValidationError):
                Child.write([child], {
                        'birth_date': TODAY + dt.timedelta(days=1)})

    @with_transaction(context=TODAY_CONTEXT)
    def test_volunteers_cleared(self):
        "Only a pair of volunteers cleared to meet minors carries a dream"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            dream = self._dream(hospital, child)
            a, b, c = [create_volunteer(n) for n in ["Ana", "Bruno", "Chloé"]]
            uncleared = create_volunteer("Denis", cleared=False)
            with refused(self, ValidationError):
                Dream.write([dream], {'tutor': uncleared.id})
            with refused(self, ValidationError):
                Dream.write([dream], {
                        'volunteers': [('add', [a.id, b.id, c.id])]})
            Dream.write([dream], {
                    'tutor': a.id, 'volunteers': [('add', [b.id, c.id])]})
            self.assertEqual(len(dream.volunteers), 2)

    @with_transaction(context=TODAY_CONTEXT)
    def test_wishes(self):
        "At most three ranked wishes"
        pool = Pool()
        Wish = pool.get('connexion.dream.wish')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            dream = self._dream(hospital, child)
            Wish.create([
                    {'dream': dream.id, 'rank': r, 'category': 'have',
                        'description': f"Souhait {r}"} for r in [1, 2, 3]])
            with refused(self, ValidationError):
                Wish.create([{'dream': dream.id, 'rank': 4,
                            'category': 'give', 'description': "Trop"}])

    @with_transaction(context=TODAY_CONTEXT)
    def test_amounts_and_photos(self):
        "Costs and in-kind contributions add up; photos need the consent"
        pool = Pool()
        Party = pool.get('party.party')
        Dream = pool.get('connexion.dream')
        Photo = pool.get('connexion.dream.photo')
        Guardian = pool.get('connexion.child.guardian')
        Child = pool.get('connexion.child')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            partner, mother = Party.create([
                    {'name': "Voyages Azur"}, {'name': "Julie Lambert"}])
            dream = self._dream(hospital, child, budget=Decimal('800'),
                costs=[('create', [
                            {'description': "Train", 'amount': Decimal('120')},
                            {'description': "Repas", 'amount': Decimal('45.5')},
                            ])],
                contributions=[('create', [{
                                'party': partner.id,
                                'description': "Nuit d'hôtel offerte",
                                'amount': Decimal('150')}])])
            self.assertEqual(dream.actual_cost, Decimal('165.5'))
            self.assertEqual(dream.in_kind_amount, Decimal('150'))
            self.assertEqual(dream.currency, company.currency)

            photo = {'dream': dream.id, 'image': b'\x89PNG', 'name': 'a.png'}
            with refused(self, ValidationError):
                Photo.create([photo])
            Guardian.create([{'child': child.id, 'party': mother.id,
                        'relationship': 'mother'}])
            Party.give_consent([mother], 'image_rights', proof="Formulaire")
            Photo.create([photo])
            self.assertEqual(len(Dream(dream.id).photos), 1)
            self.assertIn(
                mother, [c.party for c in Child(child.id).consents])

    @with_transaction(context=TODAY_CONTEXT)
    def test_reminders(self):
        "No news for 30 days (7 when urgent) reminds the tutor once"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        Activity = pool.get('connexion.dream.activity')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            tutor = create_volunteer("Claire Vasseur")
            dream = self._dream(hospital, child, tutor=tutor.id,
                referral_date=TODAY - dt.timedelta(days=20))
            self.assertEqual(Dream.send_reminders(), [])
            self.assertEqual(Dream.send_reminders(
                    TODAY + dt.timedelta(days=10)), [dream])
            reminder, = Activity.search([
                    ('dream', '=', dream.id), ('kind', '=', 'reminder')])
            self.assertEqual(reminder.assignee, tutor)
            self.assertIn("30", reminder.description)
            # Not twice while the reminder is open.
            self.assertEqual(Dream.send_reminders(
                    TODAY + dt.timedelta(days=11)), [])

            Dream.write([dream], {'urgent': True,
                    'referral_date': TODAY - dt.timedelta(days=8)})
            Activity.write([reminder], {'done': True})
            # Done reminder is news: today.
            self.assertEqual(Dream(dream.id).last_news_date, TODAY)
            self.assertEqual(Dream.send_reminders(
                    TODAY + dt.timedelta(days=6)), [])
            self.assertEqual(Dream.send_reminders(
                    TODAY + dt.timedelta(days=7)), [dream])

    @with_transaction(context=TODAY_CONTEXT)
    def test_overdue_and_urgent_order(self):
        "Urgent dreams come first; overdue steps are found"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        Activity = pool.get('connexion.dream.activity')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            other = create_child()
            calm = self._dream(hospital, child,
                referral_date=TODAY - dt.timedelta(days=3))
            urgent = self._dream(hospital, other, urgent=True)
            self.assertEqual(Dream.search([]), [urgent, calm])
            Dream.check_eligibility([urgent])
            step, = Activity.search([
                    ('dream', '=', urgent.id), ('done', '=', False)])
            # Urgent: the step delay is capped by the urgent reminder days.
            self.assertEqual(step.due_date, TODAY + dt.timedelta(days=7))
            self.assertEqual(Dream.search([('overdue', '=', True)]), [])
            Activity.write([step], {'due_date': TODAY - dt.timedelta(days=1)})
            self.assertEqual(Dream.search([('overdue', '=', True)]), [urgent])
            self.assertEqual(
                Dream.search([('overdue', '=', False)]), [calm])
            self.assertTrue(Dream(urgent.id).overdue)

    @with_transaction(context=TODAY_CONTEXT)
    def test_lead_time_statistic(self):
        "Average lead time referral → realisation per hospital"
        pool = Pool()
        LeadTime = pool.get('connexion.dream.lead_time')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            other = create_child()
            for c, days in [(child, 40), (other, 100)]:
                self._dream(hospital, c,
                    referral_date=TODAY - dt.timedelta(days=days),
                    medical_approval_date=TODAY - dt.timedelta(days=days - 5),
                    realisation_date=TODAY)
            stat, = LeadTime.search([])
            self.assertEqual(stat.hospital, hospital)
            self.assertEqual(stat.dreams, 2)
            self.assertEqual(round(stat.average), 70)

    @with_transaction(context=TODAY_CONTEXT)
    def test_overdue_steps(self):
        """The dashboard's overdue steps: not done and due before today (the
        server's ir.date), not today's nor future ones"""
        pool = Pool()
        Activity = pool.get('connexion.dream.activity')
        Action = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            dream = self._dream(hospital, child)
            day = dt.timedelta(days=1)
            late, due_today, future, done = Activity.create([{
                        'dream': dream.id, 'description': description,
                        'due_date': date, 'done': is_done,
                        } for description, date, is_done in [
                        ("late", TODAY - day, False),
                        ("today", TODAY, False),
                        ("future", TODAY + 30 * day, False),
                        ("done", TODAY - day, True)]])
            self.assertEqual(Activity.search([('overdue', '=', True)]),
                [late])
            # (Besides the dream's own first step, due later.)
            self.assertLessEqual({due_today, future, done},
                set(Activity.search([('overdue', '=', False)])))
            self.assertEqual([a.overdue for a in [late, due_today, future,
                        done]], [True, False, False, False])
            # The board's list ("Étapes en retard") searches the same.
            action = Action(ModelData.get_id(
                    'connexion_dreams', 'act_activity_overdue'))
            self.assertEqual(Activity.search(
                    PYSONDecoder().decode(action.domain)), [late])

    @with_transaction(context=TODAY_CONTEXT)
    def test_dreams_per_year(self):
        "Dreams granted are counted by year of realisation"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        DreamYear = pool.get('connexion.dream.year')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            other, third = create_child(), create_child("Inès")
            last_year = TODAY.replace(year=TODAY.year - 1, day=1)
            dreams = [self._dream(hospital, c,
                    referral_date=date - dt.timedelta(days=days),
                    medical_approval_date=date - dt.timedelta(days=5),
                    realisation_date=date)
                for c, date, days in [(child, last_year, 30),
                    (other, TODAY, 40), (third, TODAY, 60)]]
            table = Dream.__table__()
            cursor = Transaction().connection.cursor()
            for dream, state in zip(dreams, ['closed', 'realised', 'refused']):
                cursor.execute(*table.update([table.state], [state],
                        where=table.id == dream.id))
            years = DreamYear.search([])
            self.assertEqual(
                [(y.year, y.dreams, y.children, round(y.average))
                    for y in years],
                [(str(last_year.year), 1, 1, 30), (str(TODAY.year), 1, 1, 40)])

    @with_transaction(context=TODAY_CONTEXT)
    def test_visits(self):
        "A schedule plans its visits; a visit is done with a report"
        pool = Pool()
        Schedule = pool.get('connexion.hospital.visit.schedule')
        Visit = pool.get('connexion.hospital.visit')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            a, b = create_volunteer("Ana"), create_volunteer("Bruno")
            schedule = create_schedule(hospital, 'fortnightly', [a, b])
            visits = Schedule.plan_visits([schedule], weeks=8)
            self.assertEqual(len(visits), 5)
            self.assertEqual(
                [v.start.date() for v in visits],
                [TODAY + dt.timedelta(weeks=2 * i) for i in range(5)])
            # Planning again creates nothing new.
            self.assertEqual(Schedule.plan_visits([schedule], weeks=8), [])
            visit = visits[0]
            self.assertEqual(set(visit.volunteers), {a, b})
            with refused(self, VisitReportError):
                Visit.do([visit])
            Visit.write([visit], {
                    'attendees': [('add', [a.id])],
                    'children_met': 6,
                    'report': "Atelier dessin avec six enfants."})
            Visit.do([visit])
            self.assertEqual(visit.state, 'done')
            uncleared = create_volunteer("Denis", cleared=False)
            with refused(self, ValidationError):
                Visit.write([visits[1]], {
                        'volunteers': [('add', [uncleared.id])]})

    @with_transaction(context=TODAY_CONTEXT)
    def test_analytic_account_name_without_child(self):
        "A dream's analytic account is named by the dream's number only"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            dream = self._dream(hospital, child)
            Dream.create_analytic_accounts([dream])
            account = dream.analytic_account
            for text in [account.name, account.rec_name, account.code]:
                self.assertNotIn("Noé", text)
                self.assertNotIn("Lambert", text)
            self.assertIn(str(dream.id), account.name)

    @with_transaction(context=dict(TODAY_CONTEXT, language='en'))
    def test_analytic_account_language(self):
        "The analytic accounts are named in the association's language"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        load_french(pool, 'connexion_dreams')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            dream = self._dream(hospital, child)
            # An English-speaking user, a French association.
            Dream.create_analytic_accounts([dream])
            account = dream.analytic_account
            self.assertEqual(account.name, f"Rêve n° {dream.id}")
            self.assertEqual(account.root.name, "Rêves")


del ModuleTestCase
