"""The health-data access log sees every way of reaching a child's medical
fields (read, search, order, related paths, export, subject access), and
these ways are refused to whoever is not in the medical group."""
import datetime as dt
import json

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import _DBTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.access import as_user, company_user
from connexion_dreams.tests.support import create_hospital

TODAY = dt.date.today()
# ir.date's today is TODAY in the tests, also when they run past midnight.
TODAY_CONTEXT = {'date': TODAY}


def create_children():
    "Two children with a pathology, one without; a dream for the first."
    pool = Pool()
    Party = pool.get('party.party')
    Child = pool.get('connexion.child')
    Dream = pool.get('connexion.dream')
    hospital = create_hospital()
    children = Child.create([{
                'party': Party.create([{'name': name}])[0].id,
                'birth_date': TODAY.replace(year=TODAY.year - 9),
                'hospital': hospital.id,
                'service': hospital.services[0].id,
                'treating_doctor': hospital.contacts[0].id,
                'pathology': pathology,
                'medical_constraints': "Pas de foule" if pathology else None,
                } for name, pathology in [
                ("Noé Lambert", "Leucémie"), ("Lina Morel", "Leucémie"),
                ("Ilan Petit", None)]])
    dream, = Dream.create([{'child': children[0].id,
                'hospital': hospital.id, 'urgent': True}])
    return children, dream


class SensitiveAccessTestCase(_DBTestCase):
    "Health data access log, with the Dreams module"
    module = 'connexion_gdpr'
    extras = ['connexion_dreams']

    def logged(self, user):
        "{(resource, field, action)} logged for the user."
        Access = Pool().get('connexion.gdpr.sensitive_access')
        return {(str(a.resource), f, a.action)
            for a in Access.search([('user', '=', user.id)])
            for f in (a.field_names or '').split(',')}

    def clear_log(self):
        Access = Pool().get('connexion.gdpr.sensitive_access')
        Access.delete(Access.search([]))

    @with_transaction(context=TODAY_CONTEXT)
    def test_every_path_is_logged(self):
        "Search, count, order, related paths and exports are logged"
        pool = Pool()
        Child = pool.get('connexion.child')
        Dream = pool.get('connexion.dream')
        company = create_company()
        with set_company(company):
            (noe, lina, ilan), dream = create_children()
            medical = company_user('medical',
                'connexion_dreams.group_dreams_medical')
            noe_, lina_ = str(noe), str(lina)
            cases = [
                (lambda: Child.search([('pathology', 'ilike', '%leucémie%')]),
                    {(noe_, 'pathology', 'search'),
                        (lina_, 'pathology', 'search')}),
                (lambda: Child.search_count(
                        [('pathology', 'ilike', '%leucémie%')]),
                    {(noe_, 'pathology', 'search'),
                        (lina_, 'pathology', 'search')}),
                (lambda: Child.search(['OR', ('id', '=', -1),
                            [('medical_constraints', '!=', None)]]),
                    {(noe_, 'medical_constraints', 'search'),
                        (lina_, 'medical_constraints', 'search')}),
                (lambda: Child.search([('id', '=', noe.id)],
                        order=[('pathology', 'ASC')]),
                    {(noe_, 'pathology', 'order')}),
                (lambda: Dream.search([('child.pathology', 'ilike', '%leucémie%')]),
                    {(noe_, 'pathology', 'search')}),
                (lambda: Dream.search([],
                        order=[('child.service', 'ASC')]),
                    {(noe_, 'service', 'order')}),
                (lambda: Child.search(
                        [('dreams', 'where', [('urgent', '=', True)])]),
                    {(str(dream), 'urgent', 'search')}),
                (lambda: Child.export_data([noe], ['pathology']),
                    {(noe_, 'pathology', 'export')}),
                (lambda: Dream.export_data([dream],
                        ['child/medical_constraints', 'urgent']),
                    {(noe_, 'medical_constraints', 'export'),
                        (str(dream), 'urgent', 'export')}),
                (lambda: Child.export_data_domain(
                        [('pathology', '=', "Leucémie")], ['birth_date']),
                    {(noe_, 'pathology', 'search'),
                        (lina_, 'pathology', 'search')}),
                (lambda: Dream.read([dream.id], ['urgent', 'medical_doctor']),
                    {(str(dream), 'urgent', 'read'),
                        (str(dream), 'medical_doctor', 'read')}),
                (lambda: Child.read([noe.id], ['service']),
                    {(noe_, 'service', 'read')}),
                ]
            for i, (call, expected) in enumerate(cases):
                with self.subTest(case=i):
                    self.clear_log()
                    with as_user(medical):
                        call()
                    self.assertEqual(self.logged(medical), expected)
            # Server-side work (as root, no client) is not a person reading.
            self.clear_log()
            Child.search([('pathology', 'ilike', '%leucémie%')])
            self.assertEqual(self.logged(medical), set())

    @with_transaction(context=TODAY_CONTEXT)
    def test_every_path_is_refused_without_medical_group(self):
        "No path to the medical fields for the other teams, nothing logged"
        pool = Pool()
        Child = pool.get('connexion.child')
        Dream = pool.get('connexion.dream')
        Access = pool.get('connexion.gdpr.sensitive_access')
        company = create_company()
        with set_company(company):
            (noe, _, _), dream = create_children()
            calls = [
                lambda: Child.read([noe.id], ['pathology']),
                lambda: Child.read([noe.id], ['service']),
                lambda: Dream.read([dream.id], ['child.pathology']),
                lambda: Child.search([('pathology', 'ilike', '%leucémie%')]),
                lambda: Child.search_count([('service', '!=', None)]),
                lambda: Child.search([], order=[('pathology', 'ASC')]),
                lambda: Dream.search([('child.pathology', 'ilike', '%')]),
                lambda: Dream.search([], order=[('child.pathology', 'ASC')]),
                lambda: Dream.search([('urgent', '=', True)]),
                lambda: Child.search(
                    [('dreams', 'where', [('urgent', '=', True)])]),
                lambda: Child.export_data([noe], ['pathology']),
                lambda: Dream.export_data([dream], ['child/service']),
                lambda: Child.export_data_domain(
                    [('pathology', '!=', None)], ['birth_date']),
                ]
            for login, group in [
                    ('reves', 'connexion_asso.group_team_dreams'),
                    ('hopitaux', 'connexion_asso.group_team_hospitals'),
                    ('collecte', 'connexion_asso.group_team_fundraising'),
                    ('finances', 'connexion_asso.group_team_admin'),
                    ('dpo', 'connexion_gdpr.group_gdpr'),
                    ]:
                user = company_user(login, group)
                for i, call in enumerate(calls):
                    with self.subTest(user=login, call=i):
                        with as_user(user), self.assertRaises(AccessError):
                            call()
                self.assertEqual(
                    Access.search([('user', '=', user.id)]), [])

    @with_transaction(context=TODAY_CONTEXT)
    def test_subject_access_obeys_field_access(self):
        "The GDPR export gives health data to the medical group only, logged"
        pool = Pool()
        SubjectAccess = pool.get(
            'connexion.gdpr.subject_access', type='wizard')
        company = create_company()
        with set_company(company):
            (noe, _, _), dream = create_children()
            dpo = company_user('dpo', 'connexion_gdpr.group_gdpr')
            medical_dpo = company_user('medical-dpo',
                'connexion_gdpr.group_gdpr',
                'connexion_dreams.group_dreams_medical')

            def export(user):
                with as_user(user), Transaction().set_context(
                        active_model='party.party', active_id=noe.party.id,
                        active_ids=[noe.party.id]):
                    session_id, _, _ = SubjectAccess.create()
                    wizard = SubjectAccess(session_id)
                    values = wizard.default_start([])
                return values, values['file'].decode('utf-8')

            values, text = export(dpo)
            json.loads(text)
            self.assertIn("Noé Lambert", text)
            for secret in ["Leucémie", "Pas de foule", "Berthaud",
                    "Onco-hématologie"]:
                self.assertNotIn(secret, text)
            self.assertTrue(values['notice'])
            self.assertEqual(self.logged(dpo),
                {(str(noe), '', 'subject_access')})

            _, text = export(medical_dpo)
            for secret in ["Leucémie", "Pas de foule", "Berthaud",
                    "Onco-hématologie"]:
                self.assertIn(secret, text)
            self.assertEqual(
                {f for r, f, a in self.logged(medical_dpo)
                    if r == str(noe) and a == 'subject_access'},
                {'pathology', 'medical_constraints', 'treating_doctor',
                    'service'})
