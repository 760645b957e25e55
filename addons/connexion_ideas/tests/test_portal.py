"""The idea box and the FAQ of the volunteer portal, over real HTTP.

These pages run on the server of the portal tests (``portal_server``, it
activates connexion_ideas too): one database build serves both test modules."""
import html
import re
import unittest

from connexion_portal.tests.portal_client import (
    Client, LoginMixin, PhoneMixin, assert_field_error, portal_server, query)
from connexion_asso.tests.server import backend

# Active demo volunteers with a portal account, not used by tests/test_portal.
CAMILLE = 'benevole30@mille-etoiles.example'
DAVID = 'benevole31@mille-etoiles.example'


def setUpModule():
    "Start (or reuse) the portal server of the portal tests."
    portal_server()


def key(idea_id):
    "The public key of the idea's portal address."
    (public_key,), = query(
        'SELECT public_key FROM connexion_idea WHERE id = %s', idea_id)
    return public_key


def party_of(email):
    (party,), = query('SELECT party FROM web_user WHERE email = %s', email)
    return party


class IdeasPortalTest(LoginMixin, unittest.TestCase):

    def submit(self, client, title, text, anonymous=False):
        _, _, page = client.get('/idees/nouvelle')
        data = {'titre': title, 'texte': text, 'equipe': '',
            'categorie': '', 'csrf': client.csrf(page)}
        if anonymous:
            data['anonyme'] = 'on'
        return client.post('/idees/nouvelle', data)

    def idea_id(self, title):
        "The last idea of that title (the one the test just sent)."
        (idea_id,), = query('SELECT id FROM connexion_idea WHERE title = %s '
            'ORDER BY id DESC LIMIT 1', title)
        return idea_id

    def test_login_required(self):
        "Every page of the idea box and the FAQ needs a login"
        client = Client(portal_server())
        for path in ['/idees', '/idees/nouvelle', '/faq']:
            status, headers, _ = client.get(path)
            self.assertEqual(status, 303, path)
            self.assertIn('/portal/connexion', headers['Location'])
        _, _, page = client.get('/connexion')
        status, headers, _ = client.post('/idees/nouvelle', {
                'titre': "Idée sans compte", 'texte': "…",
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        self.assertIn('/portal/connexion', headers['Location'])
        self.assertEqual(query('SELECT id FROM connexion_idea '
                'WHERE title = %s', "Idée sans compte"), [])

    def test_named_and_anonymous_ideas(self):
        "A named idea keeps its author; an anonymous one nothing of her"
        camille = self.client(CAMILLE)
        status, headers, _ = self.submit(camille,
            "Un vestiaire pour les bénévoles", "Avec des casiers.")
        self.assertEqual(status, 303)
        self.assertTrue(headers['Location'].endswith('/portal/idees'))
        status, headers, _ = self.submit(camille,
            "Des réunions plus courtes le samedi", "Une heure au plus.",
            anonymous=True)
        self.assertEqual(status, 303)
        # Same answer as for a named idea: no id that a log could keep.
        self.assertTrue(headers['Location'].endswith('/portal/idees'))
        _, _, page = camille.get('/idees')
        self.assertIn("Votre idée est enregistrée", page)
        self.assertIn("Des réunions plus courtes le samedi", page)

        named = self.idea_id("Un vestiaire pour les bénévoles")
        anonymous = self.idea_id("Des réunions plus courtes le samedi")
        rows = {r[0]: r[1:] for r in query(
                'SELECT id, author, anonymous, channel, create_uid, '
                'write_uid, create_date FROM connexion_idea '
                'WHERE id IN (%s, %s)', named, anonymous)}
        self.assertEqual(rows[named][0], party_of(CAMILLE))
        self.assertFalse(rows[named][1])
        self.assertEqual(rows[named][2], 'portal')
        author, flag, channel, create_uid, write_uid, created = rows[
            anonymous]
        self.assertIsNone(author)
        self.assertTrue(flag)
        self.assertEqual((channel, create_uid, write_uid), ('portal', 0, None))
        # Only the day is kept: the time cannot be matched with a session.
        self.assertRegex(str(created), r' 00:00:00$')
        self.assertEqual(query('SELECT id FROM ir_model_log '
                'WHERE resource = %s', f'connexion.idea,{anonymous}'), [])

        # "Mes idées" lists the named idea only.
        _, _, mine = camille.get('/idees?vue=miennes')
        self.assertIn("Un vestiaire pour les bénévoles", mine)
        self.assertNotIn("Des réunions plus courtes le samedi", mine)
        self.assertIn("Mon idée", mine)
        # Another volunteer sees both ideas, no author name, no "Mon idée".
        _, _, page = self.client(DAVID).get('/idees')
        self.assertIn("Un vestiaire pour les bénévoles", page)
        self.assertNotIn("Mon idée", page)

    def test_anonymous_submission_leaves_no_trace(self):
        "No table ties an anonymous idea to the volunteer's session or time"
        import datetime as dt
        camille = self.client(CAMILLE)
        _, _, form = camille.get('/idees/nouvelle')
        # The session was opened and used an hour ago: whatever the
        # submission writes at its own second shows in the scan.
        hour_ago = dt.datetime.utcnow().replace(microsecond=0) - dt.timedelta(
            hours=1)
        query('UPDATE web_user_session SET create_date = %s, '
            'write_date = NULL', hour_ago)
        (ideas_before,), = query('SELECT COUNT(*) FROM connexion_idea')
        start = dt.datetime.utcnow().replace(microsecond=0)
        status, _, _ = camille.post('/idees/nouvelle', {
                'titre': "Une boîte à idées sans nom", 'texte': "Secret.",
                'equipe': '', 'categorie': '', 'anonyme': 'on',
                'csrf': camille.csrf(form)})
        end = dt.datetime.utcnow().replace(microsecond=0) + dt.timedelta(
            seconds=1)
        self.assertEqual(status, 303)
        (ideas_after,), = query('SELECT COUNT(*) FROM connexion_idea')
        self.assertEqual(ideas_after, ideas_before + 1)
        # Every timestamp column of every table: nothing at that second.
        if backend() == 'postgresql':
            columns = query("SELECT table_name, column_name FROM "
                "information_schema.columns WHERE table_schema = "
                "current_schema() AND data_type LIKE 'timestamp%%'")
        else:
            columns = []
            for table, in query("SELECT name FROM sqlite_master "
                    "WHERE type = 'table'"):
                for row in query(f'PRAGMA table_info("{table}")'):
                    if (row[2] or '').upper() in {'TIMESTAMP', 'DATETIME'}:
                        columns.append((table, row[1]))
        self.assertTrue(columns)
        found = []
        for table, column in columns:
            (count,), = query(f'SELECT COUNT(*) FROM "{table}" WHERE '
                f'"{column}" >= %s AND "{column}" <= %s', start, end)
            if count:
                found.append((table, column, count))
        self.assertEqual(found, [])
        # The idea itself: no author, entered by root, only the day, and
        # nothing that points to the web user, her party or her session.
        (idea_id, author, create_uid, write_uid, write_date,
            public_key), = query(
            'SELECT id, author, create_uid, write_uid, write_date, '
            'public_key FROM connexion_idea WHERE title = %s',
            "Une boîte à idées sans nom")
        self.assertEqual((author, create_uid, write_uid, write_date),
            (None, 0, None, None))
        self.assertGreaterEqual(len(public_key), 16)
        for table in ['ir_queue', 'ir_model_log', 'connexion_idea_vote',
                'ir_attachment', 'ir_note']:
            rows = query(f'SELECT * FROM "{table}"')
            self.assertFalse([r for r in rows
                    if f'connexion.idea,{idea_id}' in map(str, r)], table)
        # The portal never shows the idea's id: a random key in its URL.
        _, _, page = camille.get('/idees')
        self.assertNotIn(f'/idees/{idea_id}"', page)
        self.assertIn(f'/idees/{public_key}"', page)
        status, _, _ = camille.get(f'/idees/{public_key}')
        self.assertEqual(status, 200)
        status, _, _ = camille.get(f'/idees/{idea_id}')
        self.assertEqual(status, 404)

    def test_bad_input_keeps_the_text(self):
        "A missing title is explained next to it; everything typed stays"
        camille = self.client(CAMILLE)
        _, _, page = camille.get('/idees/nouvelle')
        team = re.search(r'<select id="equipe".*?<option value="(\d+)"',
            page, re.S).group(1)
        status, _, page = camille.post('/idees/nouvelle', {'titre': '  ',
                'texte': "Un texte à garder.", 'equipe': team,
                'categorie': '', 'anonyme': 'on',
                'csrf': camille.csrf(page)})
        self.assertEqual(status, 400)
        self.assertIn(f'<option value="{team}" selected>', page)
        self.assertRegex(page, r'<input type="checkbox" id="anonyme" '
            r'name="anonyme" checked')
        self.assertIn("Donnez un titre à votre idée", page)
        self.assertIn("Un texte à garder.", page)
        # The error sits next to the title, the text stays in its field.
        assert_field_error(self, page, 'titre',
            "Donnez un titre à votre idée")
        self.assertIn('>Un texte à garder.</textarea>', page)

    def test_vote_once(self):
        "Voting twice for an idea counts once"
        camille, david = self.client(CAMILLE), self.client(DAVID)
        self.submit(camille, "Un goûter de rentrée", "En septembre.")
        idea_id = self.idea_id("Un goûter de rentrée")
        _, _, page = david.get(f'/idees/{key(idea_id)}')
        self.assertIn("0 soutien<", page)
        token = david.csrf(page)
        for _ in range(2):
            status, headers, _ = david.post(f'/idees/{key(idea_id)}/vote', {
                    'csrf': token, 'suite': f'/idees/{key(idea_id)}'})
            self.assertEqual(status, 303)
            self.assertTrue(headers['Location'].endswith(f'/idees/{key(idea_id)}'))
        _, _, page = david.get(f'/idees/{key(idea_id)}')
        self.assertIn("Vous avez déjà voté pour cette idée.", page)
        self.assertIn("1 soutien<", page)
        self.assertIn("Vous avez voté pour cette idée", page)
        self.assertEqual(query('SELECT party FROM connexion_idea_vote '
                'WHERE idea = %s', idea_id), [(party_of(DAVID),)])
        # Camille cannot support her own idea; a closed idea gets no vote
        # button.
        _, _, page = camille.get(f'/idees/{key(idea_id)}')
        self.assertNotIn("Je soutiens cette idée", page)
        camille.post(f'/idees/{key(idea_id)}/vote', {'csrf': camille.csrf(page)})
        _, _, page = camille.get(f'/idees/{key(idea_id)}')
        self.assertIn("C&#x27;est votre idée", page.replace("&#39;", "&#x27;"))
        self.assertIn("1 soutien<", page)
        (closed,), = query('SELECT id FROM connexion_idea '
            "WHERE state = 'done' ORDER BY id LIMIT 1")
        _, _, page = david.get(f'/idees/{key(closed)}')
        self.assertNotIn("Je soutiens cette idée", page)
        status, _, _ = david.post(f'/idees/{key(closed)}/vote',
            {'csrf': david.csrf(page)})
        self.assertEqual(status, 303)
        self.assertEqual(query('SELECT id FROM connexion_idea_vote '
                'WHERE idea = %s AND party = %s', closed, party_of(DAVID)),
            [])

    def test_stored_xss_is_escaped(self):
        "Markup typed in an idea is shown as text, never run"
        camille = self.client(CAMILLE)
        title = '<script>alert("idée")</script>'
        text = '<img src=x onerror="alert(1)">\n<b>gras</b>'
        status, _, _ = self.submit(camille, title, text)
        self.assertEqual(status, 303)
        idea_id = self.idea_id(title)
        escaped = '&lt;script&gt;alert(&quot;idée&quot;)&lt;/script&gt;'
        _, _, page = self.client(DAVID).get('/idees')
        self.assertIn(escaped, page)
        self.assertNotIn('<script>', page)
        _, _, page = camille.get(f'/idees/{key(idea_id)}')
        self.assertIn(escaped, page)
        self.assertNotIn('<script>', page)
        self.assertIn('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;', page)
        self.assertNotIn('<img', page)
        self.assertNotIn('<b>gras', page)

    def test_csrf_required(self):
        "An idea or a vote sent without its form token is refused"
        camille = self.client(CAMILLE)
        status, _, _ = camille.post('/idees/nouvelle', {
                'titre': "Idée sans jeton", 'texte': "…"})
        self.assertEqual(status, 403)
        status, _, _ = camille.post('/idees/nouvelle', {
                'titre': "Idée sans jeton", 'texte': "…", 'csrf': 'x' * 64})
        self.assertEqual(status, 403)
        self.assertEqual(query('SELECT id FROM connexion_idea '
                'WHERE title = %s', "Idée sans jeton"), [])
        (open_idea,), = query('SELECT id FROM connexion_idea '
            "WHERE state = 'review' ORDER BY id LIMIT 1")
        status, _, _ = camille.post(f'/idees/{key(open_idea)}/vote', {})
        self.assertEqual(status, 403)
        self.assertEqual(query('SELECT id FROM connexion_idea_vote '
                'WHERE idea = %s AND party = %s', open_idea,
                party_of(CAMILLE)), [])
        # Every form of the pages carries its token.
        for path in ['/idees', '/idees/nouvelle', f'/idees/{key(open_idea)}']:
            _, _, page = camille.get(path)
            forms = re.findall(r'<form method="post".*?</form>', page, re.S)
            self.assertTrue(forms, path)
            for form in forms:
                self.assertIn('name="csrf"', form)

    def test_answers_and_faq(self):
        "Volunteers read the answers and the FAQ"
        david = self.client(DAVID)
        (title, answer), = query('SELECT title, answer FROM connexion_idea '
            "WHERE state = 'done' ORDER BY id LIMIT 1")
        _, _, page = david.get('/idees?vue=reponses')
        # Read as typed, but for French non-breaking spaces.
        page = page.replace('\u202f', ' ').replace('\u00a0', ' ')
        self.assertIn(html.escape(title), page)
        self.assertIn(html.escape(answer)[:40], page)

        status, _, page = david.get('/faq')
        self.assertEqual(status, 200)
        # The question as written, with its French non-breaking space.
        self.assertIn("Puis-je rester anonyme\u202f?", page)
        self.assertIn("<details", page)
        (entry, question), = query('SELECT id, question FROM '
            'connexion_faq_entry ORDER BY id LIMIT 1')
        query('UPDATE connexion_faq_entry SET published = %s WHERE id = %s',
            False, entry)
        try:
            _, _, page = david.get('/faq')
            # Compared as written (not hidden by a non-breaking space).
            page = page.replace('\u202f', ' ').replace('\u00a0', ' ')
            self.assertNotIn(html.escape(question), page)
        finally:
            query('UPDATE connexion_faq_entry SET published = %s '
                'WHERE id = %s', True, entry)


class IdeasBrowserTest(PhoneMixin, unittest.TestCase):
    "On a 375 px phone, a volunteer sends an idea and reads the FAQ"

    def test_pages_fit_a_phone(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        driver = self.driver
        self.phone_login('/idees/nouvelle', CAMILLE)
        title = self.wait.until(EC.visibility_of_element_located(
                (By.ID, 'titre')))
        self.assert_fits_phone()
        title.send_keys("Un panneau d'affichage à l'accueil")
        driver.find_element(By.ID, 'texte').send_keys(
            "Pour les annonces des équipes.")
        driver.find_element(By.NAME, 'anonyme').click()
        driver.find_element(By.XPATH,
            "//button[normalize-space()='Envoyer mon idée']").click()
        notice = self.wait.until(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, '.notice.ok')))
        self.assertIn("Votre idée est enregistrée", notice.text)
        self.assertIn("Un panneau d'affichage à l'accueil",
            driver.find_element(By.TAG_NAME, 'main').text)
        self.assert_fits_phone()
        driver.find_element(By.LINK_TEXT, "Questions").click()
        self.wait.until(EC.text_to_be_present_in_element(
                (By.TAG_NAME, 'h1'), "Questions fréquentes"))
        self.assert_fits_phone()
        question = driver.find_element(By.TAG_NAME, 'summary')
        question.click()
        self.assertTrue(driver.find_element(
                By.CSS_SELECTOR, 'details p').is_displayed())
