from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction
from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin


class ConnexionGovernanceTestCase(
        CompanyTestMixin, CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Governance module"
    module = 'connexion_governance'

    @with_transaction()
    def test_volunteer_rights(self):
        "A back-office volunteer reads the decisions, not the risks"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Risk = pool.get('connexion.project.risk')
        Decision = pool.get('connexion.decision')
        chloe, = User.create([{'login': 'chloe', 'name': "Chloé Baron",
                    'groups': [('add', [ModelData.get_id(
                                    'connexion_asso', 'group_volunteer')])]}])
        transaction = Transaction()
        with transaction.set_user(chloe.id), \
                transaction.set_context(_check_access=True):
            Decision.search([])
            with self.assertRaises(AccessError):
                Risk.search([])

    @with_transaction()
    def test_project_template(self):
        "The template creates the 4 chapters of the CRM checklist as tasks"
        pool = Pool()
        Wizard = pool.get('connexion.project.template', type='wizard')
        Work = pool.get('project.work')
        company = create_company()
        with set_company(company):
            session_id, _, _ = Wizard.create()
            wizard = Wizard(session_id)
            wizard.start.name = "CRM"
            wizard.start.company = company
            wizard.transition_create_()
            project, = Work.search([('name', '=', "CRM")])
            self.assertEqual(len(project.children), 4)
            tasks = [t for c in project.children for t in c.children]
            self.assertEqual(len(tasks), 19)
            self.assertTrue(all(t.type == 'task' for t in tasks))
            self.assertIn("Préparer la reprise des données",
                [t.name for t in tasks])
            self.assertEqual(len(project.phases), 6)

    @with_transaction(context={'language': 'fr'})
    def test_demo(self):
        "The demo loads the Connexion project and links the demo's ideas"
        pool = Pool()
        Work = pool.get('project.work')
        Idea = pool.get('connexion.idea')
        Topic = pool.get('connexion.faq.topic')
        Lang = pool.get('ir.lang')
        from connexion_asso import demo as asso_demo
        from connexion_ideas import demo as ideas_demo
        from connexion_governance import demo
        # As scripts/demo, which activates the modules with -l fr and loads
        # their data in dependency order.
        Lang.write(Lang.search([('code', '=', 'fr')]), {'translatable': True})
        asso_demo.load(pool)
        ideas_demo.load(pool)
        summary = demo.load(pool)
        self.assertIn("15 décisions", summary)
        self.assertIn("11 idées liées à une décision", summary)

        project, = Work.search([('name', '=', "Projet Connexion")])
        self.assertEqual(len(project.phases), 6)
        self.assertEqual(len(project.milestones), 6)
        self.assertEqual(len(project.committees), 3)
        self.assertEqual(len(project.decisions), 15)
        self.assertTrue(project.sponsors)
        self.assertEqual(len(project.referents), 4)
        idea, = Idea.search([('title', '=', "Un agenda partagé des rêves")])
        self.assertEqual(
            idea.decision.name, "Mettre en place un agenda partagé des rêves")
        self.assertTrue(Topic.search([]))
        self.assertEqual(Topic.search([('project', '!=', project.id)]), [])

        # Idempotent: a second run adds nothing.
        self.assertIn("0 idées liées à une décision", demo.load(pool))
        self.assertEqual(
            Work.search_count([('name', '=', "Projet Connexion")]), 1)


del ModuleTestCase
