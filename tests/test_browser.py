"""Smoke test of the web client: a demo user logs in to sao and opens Teams."""
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.support import Server, chrome


class SaoSmokeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server().create().start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        # A fresh browser per test: sao keeps its session in the browser.
        self.driver = chrome()
        self.addCleanup(self.driver.quit)

    def wait(self, condition, timeout=30):
        return WebDriverWait(self.driver, timeout).until(condition)

    def login(self, login, password):
        driver = self.driver
        driver.get(f'{self.server.url}/#{self.server.database}')
        # The first login of a fresh server loads its pool: on a loaded CI
        # machine that can take longer than the other steps.
        field = self.wait(EC.visibility_of_element_located((By.ID, 'login')),
            timeout=90)
        field.send_keys(login, Keys.ENTER)
        password_field = self.wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, 'input[type=password]')), timeout=90)
        password_field.send_keys(password, Keys.ENTER)
        return password_field

    def test_team_user_opens_teams_in_french(self):
        "A Rêves referent logs in and sees the teams in a French menu"
        self.login('reves', 'connexion-demo')
        menu = self.wait(EC.element_to_be_clickable(
                (By.XPATH, "//*[normalize-space(text())='Association']")))
        # Open the "Association" menu with its expander.
        menu.find_element(By.XPATH, "./ancestor::tr[1]").find_element(
            By.CSS_SELECTOR, '.expander').click()
        teams = self.wait(EC.element_to_be_clickable(
                (By.XPATH, "//*[normalize-space(text())='Équipes']")))
        teams.click()
        cell = self.wait(EC.visibility_of_element_located(
                (By.XPATH, "//table//*[normalize-space(text())="
                    "'Com/Partenariats/Collecte']")))
        self.assertTrue(cell.is_displayed())
        body = self.driver.find_element(By.TAG_NAME, 'body').text
        for team in ["Rêves", "Hôpitaux", "Admin/Finances/Juridique"]:
            self.assertIn(team, body)

    def test_wrong_password_is_refused(self):
        "A wrong password does not open the client"
        first_prompt = self.login('reves', 'not-the-password')
        # The server refuses: sao asks for the password again.
        self.wait(EC.staleness_of(first_prompt))
        self.wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, 'input[type=password]')))
        body = self.driver.find_element(By.TAG_NAME, 'body').text
        self.assertNotIn("Camille Roussel", body)
        self.assertFalse(self.driver.find_elements(
                By.XPATH, "//*[normalize-space(text())='Association']"))
