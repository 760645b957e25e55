"""The project on the volunteer portal, over real HTTP: its page, its entry
on the home page and the committee's decision on an idea's page.

These pages run on the server of the portal tests (``portal_server``, it
activates connexion_governance too): one database build serves them all."""
import html
import unittest

from connexion_portal.tests.portal_client import (
    Client, LoginMixin, PhoneMixin, portal_server, query)

# An active demo volunteer with a portal account, not used by
# tests/test_portal.
DAVID = 'benevole31@mille-etoiles.example'


def setUpModule():
    "Start (or reuse) the portal server of the portal tests."
    portal_server()


def visible(page):
    "The page as typed, but for French non-breaking spaces."
    return page.replace('\u202f', ' ').replace('\u00a0', ' ')


class ProjectPortalTest(LoginMixin, unittest.TestCase):

    def test_login_required(self):
        "The project's page needs a login"
        status, headers, _ = Client(portal_server()).get('/projet')
        self.assertEqual(status, 303)
        self.assertIn('/portal/connexion', headers['Location'])

    def test_project(self):
        "Volunteers read the phases, the milestones and published decisions"
        david = self.client(DAVID)
        _, _, page = david.get('/')
        self.assertIn('/projet"', page)
        status, _, page = david.get('/projet')
        self.assertEqual(status, 200)
        self.assertIn("Projet Connexion", page)
        self.assertIn("Diagnostic", page)
        self.assertIn("Restitution du diagnostic", page)
        self.assertIn("Budget de migration plafonné", page)  # validated
        # A milestone whose date has passed unreached is late, not to come.
        (milestone, name, planned, reached), = query('SELECT id, name, '
            'planned_date, reached_date FROM connexion_project_milestone '
            'ORDER BY id LIMIT 1')
        query('UPDATE connexion_project_milestone SET planned_date = %s, '
            'reached_date = NULL WHERE id = %s', '2020-01-15', milestone)
        try:
            _, _, page = david.get('/projet')
        finally:
            query('UPDATE connexion_project_milestone SET planned_date = %s, '
                'reached_date = %s WHERE id = %s', planned, reached,
                milestone)
        item = next(i for i in page.split('<li>')
            if html.escape(name) in i)
        self.assertIn("En retard", item)
        self.assertNotIn("À venir", item)
        # Drafts and cancelled decisions are not published.
        self.assertNotIn("Former les tutrices rêves en premier", page)
        self.assertNotIn("Abandonner le tableur partagé", page)

    def test_decision_on_idea_page(self):
        "An idea's page shows the committee's decision once published"
        david = self.client(DAVID)
        (key, decision, state), = query(
            'SELECT i.public_key, d.name, d.state FROM connexion_idea i '
            'JOIN connexion_decision d ON d.id = i.decision '
            "WHERE i.title = %s", "Un agenda partagé des rêves")
        self.assertEqual(state, 'validated')
        _, _, page = david.get(f'/idees/{key}')
        self.assertIn("Décision du comité", visible(page))
        self.assertIn(html.escape(decision), visible(page))
        self.assertIn("Validée", page)
        # A draft decision is not shown.
        (key, decision), = query(
            'SELECT i.public_key, d.name FROM connexion_idea i '
            'JOIN connexion_decision d ON d.id = i.decision '
            "WHERE i.title = %s", "Formation en petits groupes")
        _, _, page = david.get(f'/idees/{key}')
        self.assertNotIn("Décision du comité", visible(page))
        self.assertNotIn(html.escape(decision), visible(page))


class ProjectBrowserTest(PhoneMixin, unittest.TestCase):
    "On a 375 px phone, a volunteer reads the project"

    def test_page_fits_a_phone(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        self.phone_login('/', DAVID)
        self.wait.until(EC.visibility_of_element_located(
                (By.LINK_TEXT, "Le projet"))).click()
        self.wait.until(EC.text_to_be_present_in_element(
                (By.TAG_NAME, 'h1'), "Le projet"))
        self.assert_fits_phone()
