"""Who sees what of the dreams: the medical fields for the medical-access
group only, a volunteer's own dreams and children, the portal's home
section (mixed into the module's test case)."""
import datetime as dt

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from connexion_asso.tests.access import as_user, company_user

from .support import (
    TODAY, TODAY_CONTEXT, create_base, create_child, create_schedule,
    create_volunteer, refused)


class DreamAccessTestMixin:
    def _users(self):
        "A Dreams member with medical access, a Collecte member, volunteers."
        return [company_user(login, group) for login, group in [
                ('medical', 'connexion_dreams.group_dreams_medical'),
                ('collecte', 'connexion_asso.group_team_fundraising'),
                ('dreams', 'connexion_asso.group_team_dreams'),
                ('vol1', 'connexion_asso.group_volunteer'),
                ('vol2', 'connexion_asso.group_volunteer'),
                ]]

    @with_transaction(context=TODAY_CONTEXT)
    def test_medical_fields_access(self):
        "Only the medical-access group reads the medical information"
        pool = Pool()
        Child = pool.get('connexion.child')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            medical, collecte, dreams, _, _ = self._users()
            with as_user(medical):
                self.assertEqual(
                    Child.read([child.id], ['pathology'])[0]['pathology'],
                    "Leucémie")
                Child.write([Child(child.id)],
                    {'medical_constraints': "Pas de foule"})
            for user in [collecte, dreams]:
                with as_user(user):
                    # The child is visible, not the medical fields.
                    self.assertEqual(
                        Child.read([child.id], ['birth_date'])[0][
                            'birth_date'], child.birth_date)
                    for name in ['pathology', 'treating_doctor',
                            'medical_constraints']:
                        with refused(self, AccessError):
                            Child.read([child.id], [name])
                    with refused(self, AccessError):
                        Child.search([('pathology', 'ilike', '%leu%')])
            with as_user(dreams):
                with refused(self, AccessError):
                    Child.write([Child(child.id)], {'pathology': "Autre"})
                # The web client sends the default order back as lists (the
                # dashboards' graphs): it stays without the urgency.
                Dream = pool.get('connexion.dream')
                Dream.search([], order=[list(o) for o in Dream._order])
                with refused(self, AccessError):
                    Dream.search([], order=[['urgent', 'DESC']])
            with as_user(collecte):
                with refused(self, AccessError):
                    Child.write([Child(child.id)], {'status': 'ended'})

    def _team_users(self):
        "One user per team without medical access, and one with it."
        return {login: company_user(f'{login}-team', group,
                name=login.title())
            for login, group in [
                ('medical', 'connexion_dreams.group_dreams_medical'),
                ('reves', 'connexion_asso.group_team_dreams'),
                ('hopitaux', 'connexion_asso.group_team_hospitals'),
                ('collecte', 'connexion_asso.group_team_fundraising'),
                ('finances', 'connexion_asso.group_team_admin'),
                ('staff', 'connexion_asso.group_connexion'),
                ]}

    @with_transaction(context=TODAY_CONTEXT)
    def test_medical_fields_are_every_health_field(self):
        "The ward, the palliative flag and the doctors are medical too"
        pool = Pool()
        Wish = pool.get('connexion.dream.wish')
        Child = pool.get('connexion.child')
        Dream = pool.get('connexion.dream')
        Activity = pool.get('connexion.dream.activity')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            other = create_child()
            calm = self._dream(hospital, child,
                referral_date=TODAY - dt.timedelta(days=3),
                medical_doctor=hospital.contacts[0].id)
            urgent = self._dream(hospital, other, urgent=True)
            activity, = Activity.search([('dream', '=', urgent.id)])
            users = self._team_users()
            medical = users.pop('medical')
            fields = [
                (Child, child, ['service', 'pathology', 'treating_doctor',
                        'medical_constraints']),
                (Dream, calm, ['urgent', 'medical_doctor']),
                (Activity, activity, ['urgent']),
                ]
            with as_user(medical):
                self.assertEqual(Child.read([child.id], ['service'])[0][
                        'service'], hospital.services[0].id)
                self.assertEqual(
                    Dream.search([('urgent', '=', True)]), [urgent])
                self.assertEqual(Dream.search([]), [urgent, calm])
            for login, user in users.items():
                with self.subTest(user=login), as_user(user):
                    self.assertEqual(
                        Child.read([child.id], ['hospital'])[0]['hospital'],
                        hospital.id)
                    for Model, record, names in fields:
                        for name in names:
                            with refused(self, AccessError):
                                Model.read([record.id], [name])
                            if Model._fields[name].searchable(Model):
                                with refused(self, AccessError):
                                    Model.search([(name, '!=', None)])
                                with refused(self, AccessError):
                                    Model.search([], order=[(name, 'ASC')])
                            with refused(self, AccessError):
                                Model.export_data([record], [name])
                    for path in ['child.service', 'child.pathology']:
                        with refused(self, AccessError):
                            Dream.search([(path, '!=', None)])
                        with refused(self, AccessError):
                            Dream.read([calm.id], [path])
                    with refused(self, AccessError):
                        Dream.export_data([calm], ['child/service'])
                    # trytond converts 'where' sub-domains unchecked.
                    with refused(self, AccessError):
                        Child.search([('dreams', 'where',
                                    [('urgent', '=', True)])])
                    with refused(self, AccessError):
                        Wish.search([('dream', 'where',
                                    [('child.pathology', '!=', None)])])
                    # The default order does not tell the urgent dreams.
                    self.assertEqual(Dream.search([]), [calm, urgent])

    @with_transaction(context=TODAY_CONTEXT)
    def test_volunteer_sees_assigned_dreams(self):
        "A volunteer sees only the dreams and children assigned to them"
        pool = Pool()
        Dream = pool.get('connexion.dream')
        Child = pool.get('connexion.child')
        Wish = pool.get('connexion.dream.wish')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            other = create_child()
            _, collecte, _, user1, user2 = self._users()
            tutor = create_volunteer("Claire", user=user1)
            partner = create_volunteer("Marc", user=user2)
            mine = self._dream(hospital, child, tutor=tutor.id)
            theirs = self._dream(hospital, other,
                volunteers=[('add', [partner.id])])
            Wish.create([{'dream': theirs.id, 'rank': 1, 'category': 'go',
                        'description': "Voir la mer"}])
            with as_user(user1):
                self.assertEqual(Dream.search([]), [mine])
                self.assertEqual(Child.search([]), [child])
                self.assertEqual(Wish.search([]), [])
                with refused(self, AccessError):
                    Dream.read([theirs.id], ['state'])
                with refused(self, AccessError):
                    Child.read([child.id], ['pathology'])
                # A volunteer does not create dreams.
                with refused(self, AccessError):
                    Dream.create([{'child': other.id,
                                'serious_illness': True,
                                'second_dream': True,
                                'second_dream_reason': "x"}])
            with as_user(user2):
                self.assertEqual(Dream.search([]), [theirs])
                self.assertEqual(len(Wish.search([])), 1)
            with as_user(collecte):
                self.assertEqual(Dream.search([]), [mine, theirs])
                with refused(self, AccessError):
                    Dream.write([Dream(mine.id)], {'plan': "Non"})


    @with_transaction(context=TODAY_CONTEXT)
    def test_portal_home_section(self):
        "The portal home shows a volunteer's own visits and dreams only"
        from trytond.protocols.wrappers import Request
        from werkzeug.test import EnvironBuilder

        from connexion_portal.portal import Page

        from ..portal import home_section, visit_events
        pool = Pool()
        Dream = pool.get('connexion.dream')
        Schedule = pool.get('connexion.hospital.visit.schedule')
        Wish = pool.get('connexion.dream.wish')
        company = create_company()
        with set_company(company):
            hospital, child = create_base()
            other = create_child("Lina Morel")
            ana, bruno = create_volunteer("Ana"), create_volunteer("Bruno")
            schedule = create_schedule(hospital, 'weekly', [ana])
            Schedule.plan_visits([schedule], weeks=3)
            self._dream(hospital, child, tutor=ana.id)
            theirs = self._dream(hospital, other,
                volunteers=[('add', [bruno.id])])
            wish, = Wish.create([{'dream': theirs.id, 'rank': 1,
                        'category': 'go', 'description': "Voir la mer"}])
            Dream.write([theirs], {'chosen_wish': wish.id})
            cancelled = self._dream(hospital, other, second_dream=True,
                second_dream_reason="Rechute",
                volunteers=[('add', [bruno.id])])
            Dream.write([cancelled], {'state': 'cancelled'})

            def section(volunteer):
                page = Page(Request(EnvironBuilder().get_environ()), pool)
                page.volunteer, page.volunteer_id = volunteer, volunteer.id
                return home_section(page)
            mine = section(ana)
            # The source texts: the test database holds no French.
            self.assertIn("My Hospital Visits", mine)
            # The hospital, never its service (a ward tells an illness).
            self.assertIn("Hôpital des Tilleuls", mine)
            self.assertNotIn("Onco-hématologie", mine)
            self.assertIn("The dream of Noé", mine)
            self.assertIn("Tutor", mine)
            self.assertNotIn("Lina", mine)
            self.assertNotIn("Voir la mer", mine)
            # The calendar feed: the hospital as the place, no ward.
            events = visit_events(pool, ana.id, dt.datetime.now())
            self.assertTrue(events)
            for event in events:
                self.assertEqual(event.location, "Hôpital des Tilleuls")
            his = section(bruno)
            self.assertNotIn("Onco-hématologie", his)
            self.assertNotIn("Noé", his)
            # One open dream: the cancelled one is not shown.
            self.assertEqual(his.count("The dream of Lina"), 1)
            self.assertIn("Voir la mer", his)
            self.assertEqual(section(create_volunteer("Denis")), '')
