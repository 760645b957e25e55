"""The volunteer portal in headless Chromium at 375 px: a volunteer on a
phone logs in, signs up for a mission and logs hours (the portal server of
tests/test_portal.py, shared)."""
import os
import unittest
import urllib.parse

from connexion_portal.tests.portal_client import (
    DEMO_PASSWORD, PhoneMixin, portal_server)

# Demo volunteer 17 is active (see connexion_volunteer/demo.py).
ANNE = 'benevole17@mille-etoiles.example'

server = None


def setUpModule():
    "The portal server all portal tests share (see portal_client)."
    global server
    server = portal_server()


class PortalBrowserTest(PhoneMixin, unittest.TestCase):
    "A volunteer on a 375 px phone logs in, signs up and logs hours"

    def test_sign_up_and_log_hours(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        from selenium.webdriver.support.ui import Select
        driver = self.driver
        base = f'{server.url}/{urllib.parse.quote(server.database)}/portal'
        driver.get(base + '/')
        email = self.wait.until(EC.visibility_of_element_located(
                (By.ID, 'email')))
        self.assertEqual(driver.find_element(By.TAG_NAME, 'h1').text,
            "Connexion")
        self.assert_fits_phone()
        email.send_keys('benevole20@mille-etoiles.example')
        driver.find_element(By.ID, 'password').send_keys(DEMO_PASSWORD)
        driver.find_element(By.CSS_SELECTOR, 'main button').click()
        self.wait.until(EC.text_to_be_present_in_element(
                (By.TAG_NAME, 'h1'), "Bonjour"))
        self.assert_fits_phone()

        driver.find_element(By.LINK_TEXT, "Missions").click()
        self.wait.until(EC.text_to_be_present_in_element(
                (By.TAG_NAME, 'h1'), "Missions ouvertes"))
        self.assert_fits_phone()
        card = driver.find_element(By.XPATH,
            "//article[.//button[normalize-space()=\"Je m'inscris\"]]")
        mission = card.find_element(By.TAG_NAME, 'h3').text
        card.find_element(By.TAG_NAME, 'button').click()
        notice = self.wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.notice.ok')))
        self.assertIn("vous êtes inscrit·e", notice.text)
        self.assertIn(mission, driver.find_element(By.TAG_NAME, 'main').text)

        driver.find_element(By.LINK_TEXT, "Mes heures").click()
        select = Select(self.wait.until(EC.visibility_of_element_located(
                    (By.ID, 'mission'))))
        self.assert_fits_phone()
        select.select_by_index(0)
        chosen = select.first_selected_option.text
        driver.find_element(By.ID, 'heures').send_keys('2,5')
        driver.find_element(By.ID, 'km').send_keys('14')
        driver.find_element(By.XPATH,
            "//button[normalize-space()='Enregistrer mes heures']").click()
        notice = self.wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.notice.ok')))
        self.assertIn("Vos heures sont enregistrées", notice.text)
        row = driver.find_element(By.CSS_SELECTOR, 'tbody tr')
        self.assertIn(chosen, row.text)
        self.assertIn("2,5 h", row.text)
        self.assertIn("À valider", row.text)
        self.assert_fits_phone()

        driver.find_element(By.LINK_TEXT, "Mes frais").click()
        self.wait.until(EC.text_to_be_present_in_element(
                (By.TAG_NAME, 'h1'), "Mes frais"))
        self.assert_fits_phone()
        driver.find_element(By.ID, 'description').send_keys(
            "Crayons pour l'atelier")
        driver.find_element(By.ID, 'montant').send_keys('8,90')
        driver.find_element(By.NAME, 'abandon').click()
        driver.find_element(By.XPATH,
            "//button[normalize-space()='Envoyer ma demande']").click()
        notice = self.wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.notice.ok')))
        self.assertIn("Votre don est noté", notice.text)
        self.assertIn("8,90 €", driver.find_element(
                By.CSS_SELECTOR, 'tbody tr').text)
        self.assert_fits_phone()

    def test_error_keeps_typed_values(self):
        "After a refused claim the phone shows what was typed, the error by its field"
        import tempfile
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        driver = self.driver
        self.phone_login('/frais', ANNE)
        date = self.wait.until(EC.visibility_of_element_located(
                (By.ID, 'date')))
        date.clear()
        date.send_keys('05/03/2026')
        driver.find_element(By.ID, 'description').send_keys(
            "Peinture pour le décor")
        driver.find_element(By.ID, 'montant').send_keys('douze euros')
        driver.find_element(By.ID, 'km').send_keys('7')
        driver.find_element(By.NAME, 'abandon').click()
        driver.find_element(By.XPATH,
            "//button[normalize-space()='Envoyer ma demande']").click()
        error = self.wait.until(EC.visibility_of_element_located(
                (By.ID, 'montant-erreur')))
        self.assertIn("Indiquez le montant", error.text)
        # Everything typed is still there.
        for name, value in [('date', '05/03/2026'),
                ('description', "Peinture pour le décor"),
                ('montant', 'douze euros'), ('km', '7')]:
            self.assertEqual(driver.find_element(By.ID, name)
                .get_attribute('value'), value, name)
        self.assertTrue(driver.find_element(By.NAME, 'abandon').is_selected())
        # The error sits right above its field, tied to it.
        field = driver.find_element(By.ID, 'montant')
        self.assertEqual(field.get_attribute('aria-invalid'), 'true')
        self.assertIn('montant-erreur',
            field.get_attribute('aria-describedby').split())
        gap = field.rect['y'] - (error.rect['y'] + error.rect['height'])
        self.assertGreaterEqual(gap, 0)
        self.assertLess(gap, 20)
        self.assertLess(abs(field.rect['x'] - error.rect['x']), 5)
        # The summary at the top leads to it.
        summary = driver.find_element(By.CSS_SELECTOR, '.notice.error')
        self.assertIn("Indiquez le montant", summary.text)
        self.assert_fits_phone()
        folder = os.environ.get('CONNEXION_SCREENSHOTS') or tempfile.mkdtemp(
            prefix='connexion-portal-')
        os.makedirs(folder, exist_ok=True)
        driver.execute_script('window.scrollTo(0, arguments[0]);',
            max(0, summary.rect['y'] - 10))
        driver.save_screenshot(os.path.join(folder, 'frais-erreur-375.png'))
        driver.execute_script('arguments[0].scrollIntoView({block: "center"})',
            field)
        driver.save_screenshot(os.path.join(folder,
                'frais-erreur-champ-375.png'))
        print('\nscreenshots:', folder)
