"""The volunteer portal over HTTP (on a phone in Chromium: test_portal_browser).

One real server with the demo data: two volunteers must never see or change
each other's data, forms need their CSRF token, sessions expire."""
import datetime as dt
import html
import os
import re
import unittest
import urllib.parse

from connexion_portal.tests.portal_client import (  # noqa: F401
    DEMO_PASSWORD, MAILS, Client, assert_field_error, field_tag, multipart,
    portal_server, visible_text)
from connexion_asso.tests.server import backend

# Demo volunteers 17 and 18 are active (see connexion_volunteer/demo.py).
ANNE = 'benevole17@mille-etoiles.example'
BRUNO = 'benevole18@mille-etoiles.example'
CANDIDATE = 'benevole01@mille-etoiles.example'

server = None


def setUpModule():
    "The portal server all portal tests share (see portal_client)."
    global server
    server = portal_server()


def logged_in(email):
    "A client logged in as the volunteer of email (demo password)."
    client = Client(server)
    client.login(email)
    return client


def form_token(client, path):
    "The CSRF token of the form of the page at path."
    _, _, page = client.get(path)
    return client.csrf(page)


def set_session_age(key, age):
    "Age the session in the database, as if the volunteer left the phone."
    old = dt.datetime.now() - age
    if backend() == 'postgresql':
        import psycopg
        with psycopg.connect(server.uri.rstrip('/') + '/' + server.database,
                autocommit=True) as conn:
            conn.execute('UPDATE web_user_session SET create_date = %s, '
                'write_date = %s WHERE key = %s', (old, old, key))
    else:
        import sqlite3
        conn = sqlite3.connect(os.path.join(
                server.tmp, server.database + '.sqlite'))
        conn.execute('UPDATE web_user_session SET create_date = ?, '
            'write_date = ? WHERE key = ?', (old.isoformat(' '),
                old.isoformat(' '), key))
        conn.commit()
        conn.close()


class PortalHTTPTest(unittest.TestCase):

    def test_login_required_and_wrong_password(self):
        "Pages need a login; a wrong password is refused in French"
        client = Client(server)
        for path in ['/missions', '/heures', '/frais', '/profil']:
            status, headers, _ = client.get(path)
            self.assertEqual(status, 303)
            self.assertIn('/portal/connexion?suite='
                + urllib.parse.quote(path, safe=''), headers['Location'])
        status, _ = client.login(ANNE, 'pas-le-bon')
        self.assertEqual(status, 401)
        self.assertNotIn('connexion_portal', client.cookies)
        _, _, page = client.get('/connexion')
        self.assertIn('lang="fr"', page)
        self.assertIn('name="viewport"', page)
        # The layout's own texts in French too (its footer is an i18n:msg
        # run with the page's translations).
        self.assertIn('<footer>Espace bénévoles – ', page)
        status, headers = client.login(ANNE)
        self.assertEqual(status, 303)
        self.assertIn('connexion_portal', client.cookies)
        status, _, page = client.get('/')
        self.assertEqual(status, 200)
        self.assertIn('Mes prochaines missions', page)

    def test_csrf_required(self):
        "A form sent without its token, or from another site, is refused"
        client = logged_in(ANNE)
        token = form_token(client, '/profil')
        status, _, page = client.post('/profil', {'langues': "klingon"})
        self.assertEqual(status, 403)
        status, _, _ = client.post('/profil', {
                'langues': "klingon", 'csrf': 'x' * 64})
        self.assertEqual(status, 403)
        # From another site: trytond itself refuses it before the portal
        # (its wsgi answers 500 for its own 403 abort).
        status, _, _ = client.post('/profil', {
                'langues': "klingon", 'csrf': token},
            headers={'Origin': 'http://evil.example'})
        self.assertIn(status, {403, 500})
        _, _, page = client.get('/profil')
        self.assertNotIn('klingon', page)
        status, _, _ = client.post('/profil', {
                'langues': "français, occitan", 'csrf': token})
        self.assertEqual(status, 303)
        _, _, page = client.get('/profil')
        self.assertIn('français, occitan', page)
        # The login form needs its token too.
        other = Client(server)
        status, _, _ = other.post('/connexion', {
                'email': ANNE, 'password': DEMO_PASSWORD})
        self.assertEqual(status, 403)
        self.assertNotIn('connexion_portal', other.cookies)

    def test_volunteers_cannot_reach_each_other(self):
        "Changing ids in URLs or forms gives nothing of another volunteer"
        anne, bruno = Client(server), Client(server)
        anne.login(ANNE)
        bruno.login(BRUNO)
        _, _, before = anne.get('/')
        _, _, page = anne.get('/missions')
        shift_id = next(
            re.search(r'/missions/(\d+)/inscription', article).group(1)
            for article in page.split('<article')[1:]
            if 'inscris</button>' in article)
        status, _, _ = anne.post(f'/missions/{shift_id}/inscription',
            {'csrf': anne.csrf(page)})
        self.assertEqual(status, 303)
        _, _, home = anne.get('/')
        self.assertIn("vous êtes inscrit·e", home)
        signup_id, = (
            set(re.findall(r'/inscriptions/(\d+)/annuler', home))
            - set(re.findall(r'/inscriptions/(\d+)/annuler', before)))
        calendar = re.search(r'href="([^"]+\.ics)"', home).group(1)

        _, _, bruno_home = bruno.get('/')
        self.assertNotIn(f'/inscriptions/{signup_id}/', bruno_home)
        # Bruno cannot cancel Anne's sign-up, even with his own token.
        status, _, _ = bruno.post(f'/inscriptions/{signup_id}/annuler',
            {'csrf': bruno.csrf(bruno_home)})
        self.assertEqual(status, 404)
        # Nor with Anne's token.
        status, _, _ = bruno.post(f'/inscriptions/{signup_id}/annuler',
            {'csrf': anne.csrf(home)})
        self.assertEqual(status, 403)
        _, _, home = anne.get('/')
        self.assertIn(f'/inscriptions/{signup_id}/annuler', home)
        # Bruno cannot log hours on a mission he never joined.
        _, _, hours_page = bruno.get('/heures')
        bruno_missions = set(re.findall(r'<option value="(\d+)"',
                hours_page))
        _, _, anne_hours = anne.get('/heures')
        anne_missions = set(re.findall(r'<option value="(\d+)"',
                anne_hours))
        foreign = (anne_missions - bruno_missions) or {'999999'}
        status, _, page = bruno.post('/heures', {
                'mission': foreign.pop(), 'date': dt.date.today().isoformat(),
                'heures': '2', 'csrf': bruno.csrf(hours_page)})
        self.assertEqual(status, 400)
        # Anne's calendar is hers only: Bruno's session does not matter,
        # a guessed token gives nothing.
        status, headers, ics = anne.get(calendar)
        self.assertEqual(status, 200)
        self.assertIn('text/calendar', headers['Content-Type'])
        self.assertIn('BEGIN:VEVENT', ics)
        self.assertIn(f'UID:signup-{signup_id}@', ics)
        status, _, _ = bruno.get('/agenda/' + 'A' * 32 + '.ics')
        self.assertEqual(status, 404)
        _, _, bruno_ics = bruno.get(re.search(
                r'href="([^"]+\.ics)"', bruno.get('/')[2]).group(1))
        self.assertNotIn(f'UID:signup-{signup_id}@', bruno_ics)

    def test_expense_claim_and_waiver(self):
        "A volunteer claims expenses or leaves them as a gift, privately"
        anne, bruno = Client(server), Client(server)
        anne.login(ANNE)
        bruno.login(BRUNO)
        _, _, page = anne.get('/frais')
        self.assertIn('enctype="multipart/form-data"', page)
        self.assertIn("abandon de frais", page)
        today = dt.date.today().isoformat()
        # Bad input: the French reasons, nothing recorded.
        status, _, error = anne.post('/frais', {'date': today,
                'description': '', 'montant': 'douze',
                'csrf': anne.csrf(page)})
        self.assertEqual(status, 400)
        self.assertIn("Dites ce que vous avez payé", html.unescape(error))
        self.assertIn("Indiquez le montant en euros", error)
        status, _, _ = anne.upload('/frais', {'date': today,
                'description': "Goûter de l'atelier Anne-17", 'montant': '23,40',
                'abandon': 'on', 'csrf': anne.csrf(page)},
            {'justificatif': ('ticket.pdf', b'%PDF-1.4 ticket de caisse')})
        self.assertEqual(status, 303)
        status, _, page = anne.get('/frais')
        self.assertIn("Votre don est noté", page)
        row = next(r for r in page.split('<tr>')
            if "Goûter de l'atelier Anne-17" in html.unescape(r))
        self.assertIn('23,40\u00a0€', row)
        self.assertIn('À examiner (don)', row)
        # Only her own mission can be named; Bruno sees nothing of hers.
        status, _, _ = anne.post('/frais', {'date': today,
                'description': "Essence", 'montant': '10', 'mission': '999999',
                'csrf': anne.csrf(page)})
        self.assertEqual(status, 400)
        _, _, other = bruno.get('/frais')
        self.assertNotIn("Anne-17", html.unescape(other))
        # Her CSRF token is not Bruno's: his session cannot post with it.
        status, _, _ = bruno.post('/frais', {'date': today,
                'description': "Anne-17 bis", 'montant': '5',
                'csrf': anne.csrf(page)})
        self.assertEqual(status, 403)
        _, _, page = anne.get('/frais')
        self.assertNotIn("Anne-17 bis", html.unescape(page))
        self.assertNotIn("Essence", page)

    def test_hours_total_and_pages(self):
        "The year's total counts every line; a long history is paged"
        bruno = logged_in(BRUNO)
        _, _, page = bruno.get('/heures')
        mission = re.search(r'<option value="(\d+)"', page).group(1)
        today = dt.date.today()

        def shown_total(page):
            total = re.search(r'Mes heures \(%d\s: ([\d,]+) h\)' % today.year,
                page).group(1)
            return float(total.replace(',', '.'))
        before = shown_total(page)
        for _ in range(55):
            status, _, _ = bruno.post('/heures', {'mission': mission,
                    'date': today.isoformat(), 'heures': '1',
                    'csrf': bruno.csrf(page)})
            self.assertEqual(status, 303)
        _, _, page = bruno.get('/heures')
        self.assertEqual(shown_total(page), before + 55)
        (in_database,), = server.query(
            "SELECT SUM(h.hours) FROM connexion_volunteer_hours h "
            "JOIN connexion_volunteer v ON v.id = h.volunteer "
            "JOIN party_contact_mechanism m ON m.party = v.party "
            "WHERE m.value = %s AND h.state != 'refused' "
            "AND h.date >= %s AND h.date <= %s",
            BRUNO, today.replace(month=1, day=1),
            today.replace(month=12, day=31))
        self.assertEqual(shown_total(page), float(in_database))
        self.assertEqual(page.count('<tr><td>'), 50)
        self.assertIn("Plus anciennes", page)
        _, _, older = bruno.get('/heures?page=2')
        self.assertIn("Plus récentes", older)
        self.assertGreaterEqual(older.count("<tr><td>"), 5)
        status, _, _ = bruno.get('/heures?page=abc')
        self.assertEqual(status, 200)

    def test_expired_session_goes_to_login(self):
        "After hours without activity, the volunteer logs in again"
        client = logged_in(BRUNO)
        self.assertEqual(client.get('/')[0], 200)
        set_session_age(client.cookies['connexion_portal'],
            dt.timedelta(hours=5))
        status, headers, _ = client.get('/heures')
        self.assertEqual(status, 303)
        self.assertIn('/portal/connexion', headers['Location'])
        status, _, page = client.get(headers['Location'])
        self.assertIn('Votre session a expiré', page)
        self.assertNotIn('connexion_portal', client.cookies)

    def test_logout_and_candidate(self):
        "A logged-out session is dead; a candidate cannot sign up"
        client = logged_in(BRUNO)
        key = client.cookies['connexion_portal']
        _, _, page = client.get('/')
        status, _, _ = client.post('/deconnexion', {
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        client.cookies['connexion_portal'] = key
        self.assertEqual(client.get('/')[0], 303)
        # Candidates have no portal account in the demo.
        status, _ = Client(server).login(CANDIDATE)
        self.assertEqual(status, 401)


class PortalFormsTest(unittest.TestCase):
    "Issue 16, items 3 and 14: forms as volunteers fill them in"

    def test_hours_error_keeps_values_next_to_fields(self):
        "Hours refused: every value typed stays, each error by its field"
        bruno = logged_in(BRUNO)
        _, _, page = bruno.get('/heures')
        missions = re.findall(r'<option value="(\d+)"', page)
        mission = missions[-1]
        status, _, page = bruno.post('/heures', {'mission': mission,
                'date': '31/02/2026', 'heures': '30', 'km': '12',
                'description': "Atelier « bricolage »",
                'csrf': bruno.csrf(page)})
        self.assertEqual(status, 400)
        self.assertIn(f'<option value="{mission}" selected>', page)
        self.assertIn('value="31/02/2026"', page)
        self.assertIn('value="30"', page)
        self.assertIn('value="12"', page)
        self.assertIn('value="Atelier « bricolage »"', page)
        assert_field_error(self, page, 'date', "jj/mm/aaaa")
        assert_field_error(self, page, 'heures', "entre 0,25 et 24")
        self.assertNotIn('aria-invalid', field_tag(page, 'km'))
        self.assertNotIn('aria-invalid', field_tag(page, 'mission'))
        # The summary at the top links to the fields.
        self.assertIn('href="#date"', page)
        self.assertIn('href="#heures"', page)

    def test_expense_error_keeps_values_and_asks_for_the_file(self):
        "Expense refused: values and the tick stay, the file is asked again"
        anne = logged_in(ANNE)
        _, _, page = anne.get('/frais')
        status, _, page = anne.upload('/frais', {'date': '05/03/2026',
                'description': "Timbres pour les cartes", 'montant': 'douze',
                'km': '7', 'abandon': 'on', 'csrf': anne.csrf(page)},
            {'justificatif': ('ticket.pdf', b'%PDF-1.4 ticket')})
        self.assertEqual(status, 400)
        self.assertIn('value="05/03/2026"', page)
        self.assertIn('value="Timbres pour les cartes"', page)
        self.assertIn('value="douze"', page)
        self.assertIn('value="7"', page)
        self.assertRegex(page, r'id="abandon" name="abandon" checked')
        assert_field_error(self, page, 'montant', "Indiquez le montant")
        note = re.search(r'<p class="field-note" id="justificatif-note">'
            r'(.*?)</p><input id="justificatif"([^>]*)>', page)
        self.assertIn("choisissez-le à nouveau", html.unescape(note.group(1)))
        self.assertIn('justificatif-note', note.group(2))

    def test_profile_error_keeps_values_and_consents(self):
        "Profile refused: nothing saved, what was typed and ticked stays"
        anne = logged_in(ANNE)
        _, _, page = anne.get('/profil')
        boxes = re.findall(r'<input type="checkbox" id="(consent_\d+)" '
            r'name="consent_\d+"( checked)?', page)
        self.assertTrue(boxes)
        data = {'langues': "Breton, occitan", 'urgence_nom': "Jo Martin",
            'urgence_tel': "appelez-moi", 'csrf': anne.csrf(page)}
        # Every consent the other way round.
        flipped = {name: not checked for name, checked in boxes}
        data.update({name: 'on' for name, on in flipped.items() if on})
        status, _, page = anne.post('/profil', data)
        self.assertEqual(status, 400)
        self.assertIn('value="Breton, occitan"', page)
        self.assertIn('value="Jo Martin"', page)
        self.assertIn('value="appelez-moi"', page)
        assert_field_error(self, page, 'urgence_tel', "numéro de téléphone")
        for name, on in flipped.items():
            self.assertEqual(bool(re.search(rf'id="{name}" name="{name}" '
                        'checked', page)), on, name)
        _, _, page = anne.get('/profil')
        self.assertNotIn("Breton, occitan", page)
        for name, checked in boxes:
            self.assertEqual(bool(re.search(rf'id="{name}" name="{name}" '
                        'checked', page)), bool(checked), name)

    def test_login_and_password_errors_next_to_the_field(self):
        "A wrong password: the address stays, the error by the password"
        client = Client(server)
        _, _, page = client.get('/connexion')
        status, _, page = client.post('/connexion', {'email': ANNE,
                'password': 'pas-le-bon', 'suite': '/',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 401)
        self.assertIn(f'value="{ANNE}"', page)
        self.assertNotIn('pas-le-bon', page)
        assert_field_error(self, page, 'password', "Mot de passe oublié")
        self.assertIn("saisissez-le à nouveau", html.unescape(page))
        _, _, page = client.get('/nouveau-mot-de-passe?email=x&token=y')
        status, _, page = client.post('/nouveau-mot-de-passe', {
                'email': 'x', 'token': 'y', 'password': 'court',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 400)
        assert_field_error(self, page, 'password', "8 à 1024 caractères")

    def test_dates_the_french_way(self):
        "Dates are typed and shown jj/mm/aaaa whatever the browser's language"
        bruno = logged_in(BRUNO)
        today = dt.date.today()
        for path in ['/heures', '/frais']:
            _, _, page = bruno.get(path, headers={
                    'Accept-Language': 'en-US,en;q=0.9'})
            self.assertNotIn('type="date"', page)
            tag = field_tag(page, 'date')
            self.assertIn('type="text"', tag)
            self.assertIn('placeholder="jj/mm/aaaa"', tag)
            self.assertIn(f'value="{today.strftime("%d/%m/%Y")}"', tag)
        mission = re.search(r'<option value="(\d+)"', page).group(1)
        _, _, page = bruno.get('/heures')
        day = today - dt.timedelta(days=3)
        for typed in [day.strftime('%d/%m/%Y'),
                f'{day.day}/{day.month}/{day.year}', day.isoformat()]:
            status, _, _ = bruno.post('/heures', {'mission': mission,
                    'date': typed, 'heures': '1', 'csrf': bruno.csrf(page),
                    'description': f"Date typée {typed}"})
            self.assertEqual(status, 303, typed)
        rows = server.query("SELECT date FROM connexion_volunteer_hours "
            "WHERE description LIKE %s", "Date typée %")
        self.assertEqual(len(rows), 3)
        self.assertEqual({str(d) for d, in rows}, {day.isoformat()})
        _, _, page = bruno.get('/heures')
        self.assertIn(f'<td>{day.strftime("%d/%m/%Y")}</td>', page)
        # A date to come is refused with the way forward.
        later = today + dt.timedelta(days=2)
        status, _, page = bruno.post('/heures', {'mission': mission,
                'date': later.strftime('%d/%m/%Y'), 'heures': '1',
                'csrf': bruno.csrf(page)})
        self.assertEqual(status, 400)
        assert_field_error(self, page, 'date', "au plus tard aujourd'hui")

    def test_kilometres_alone(self):
        "A car journey claimed in km: the amount from the association's rate"
        anne = logged_in(ANNE)
        _, _, page = anne.get('/frais')
        self.assertIn("0,335\u00a0€ par km", html.unescape(page))
        status, _, _ = anne.post('/frais', {
                'date': dt.date.today().strftime('%d/%m/%Y'),
                'description': '', 'montant': '', 'km': '42',
                'csrf': anne.csrf(page)})
        self.assertEqual(status, 303)
        (amount, distance), = server.query("SELECT amount, distance FROM "
            "connexion_volunteer_expense ORDER BY id DESC LIMIT 1")
        self.assertEqual((float(amount), distance), (14.07, 42))
        _, _, page = anne.get('/frais')
        mine = page.split('<h2>Mes demandes</h2>', 1)[1]
        row = next(r for r in mine.split('<tr>') if '42 km' in r)
        self.assertIn('14,07\u00a0€', html.unescape(row))
        self.assertIn('Trajet en voiture', html.unescape(row))
        # Without a rate the volunteer is told what to type instead.
        (rate,), = server.query(
            "SELECT mileage_rate FROM connexion_association")
        server.query("UPDATE connexion_association SET mileage_rate = NULL")
        try:
            status, _, page = anne.post('/frais', {
                    'date': dt.date.today().strftime('%d/%m/%Y'),
                    'description': 'Trajet', 'montant': '', 'km': '42',
                    'csrf': anne.csrf(page)})
        finally:
            server.query("UPDATE connexion_association "
                "SET mileage_rate = %s", rate)
        self.assertEqual(status, 400)
        assert_field_error(self, page, 'montant', "indiquez le montant")
        self.assertIn('value="42"', page)

    def test_refusals_address_the_volunteer(self):
        "Refusals say « vous » and what to do next"
        anne = logged_in(ANNE)
        token = form_token(anne, '/missions')
        status, _, page = anne.post('/missions/2147483000/inscription',
            {'csrf': token})
        self.assertEqual(status, 404)
        self.assertIn("choisissez-en une", html.unescape(page))
        self.assertIn(f'href="{anne.base}/missions"', page)
        # A shift that has started: the model's refusal, worded for her.
        (shift,), = server.query("SELECT MIN(id) FROM "
            "connexion_mission_shift WHERE start < %s",
            dt.datetime.now() - dt.timedelta(days=1))
        status, _, page = anne.post(f'/missions/{shift}/inscription',
            {'csrf': token})
        self.assertEqual(status, 400)
        self.assertIn("Choisissez une autre date dans la liste des missions "
            "ouvertes", html.unescape(page))
        self.assertNotIn("The mission", page)
        status, _, page = anne.post('/inscriptions/2147483000/annuler',
            {'csrf': token})
        self.assertEqual(status, 404)
        self.assertIn("Vous n'êtes pas (ou plus) inscrit", html.unescape(page))

    def test_french_spaces_in_every_page(self):
        "No line starts with « ? ! : ; »: non-breaking spaces before them"
        anne = Client(server)
        pages = [anne.get(path)[2] for path in
            ['/connexion', '/mot-de-passe-oublie']]
        anne.login(ANNE)
        paths = ['/', '/missions', '/heures', '/frais', '/profil', '/idees',
            '/idees?vue=reponses', '/idees/nouvelle', '/projet', '/faq']
        pages += [anne.get(path)[2] for path in paths]
        idea = re.search(r'href="[^"]*(/idees/(?!nouvelle")[\w-]{8,})"',
            pages[-5])
        if idea:
            pages.append(anne.get(idea.group(1))[2])
        pages.append(anne.post('/frais', {'montant': 'x', 'date': 'x',
                    'csrf': anne.csrf(pages[5])})[2])
        pages.append(anne.get('/idees/cette-idee-nexiste-pas')[2])
        for page in pages:
            text = visible_text(page)
            bad = re.findall(r'.{0,30}[ \t\r\n][?!:;].{0,10}', text)
            self.assertEqual(bad, [], text[:80])
        text = ''.join(pages)
        self.assertIn('\u202f?', text)
        self.assertIn('\u00a0:', text)


class PortalPasswordTest(unittest.TestCase):

    def wait_mail(self, count):
        "Mails leave when the transaction commits: wait for them."
        import time
        for _ in range(300):
            if len(MAILS) >= count:
                break
            time.sleep(0.1)
        self.assertGreaterEqual(len(MAILS), count)

    def test_password_reset_by_email(self):
        "A forgotten password is reset through the link sent by e-mail"
        import email
        import email.policy
        address = 'benevole19@mille-etoiles.example'
        client = Client(server)
        _, _, page = client.get('/mot-de-passe-oublie')
        before = len(MAILS)
        # An unknown address gets the same answer, and no e-mail.
        status, _, _ = client.post('/mot-de-passe-oublie', {
                'email': 'inconnu@example.org', 'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        status, _, _ = client.post('/mot-de-passe-oublie', {
                'email': address, 'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        _, _, page = client.get('/connexion')
        self.assertIn("un e-mail vient de vous être envoyé", page)
        self.wait_mail(before + 1)
        message = email.message_from_bytes(MAILS[before],
            policy=email.policy.default)
        self.assertEqual(message['To'], address)
        self.assertEqual(len(MAILS), before + 1)
        # web_user's e-mail: the link is the button of its HTML part.
        body = message.get_body(('html',)).get_content()
        # In the portal's language (the volunteer's party has none).
        self.assertIn("Réinitialiser le mot de passe", body)
        link = html.unescape(
            re.search(r'href="(http://[^"]+)"', body).group(1))
        parts = urllib.parse.urlsplit(link)
        path = parts.path + '?' + parts.query
        status, _, page = client.get(path)
        self.assertEqual(status, 200)
        fields = dict(re.findall(
                r'name="(email|token)" value="([^"]*)"', page))
        status, _, _ = client.post('/nouveau-mot-de-passe', {
                'email': html.unescape(fields['email']),
                'token': fields['token'], 'password': 'Etoile-filante-26',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        # The link is used up; the new password opens the portal.
        status, _, _ = client.post('/nouveau-mot-de-passe', {
                'email': address, 'token': fields['token'],
                'password': 'autre-mot-de-passe', 'csrf': client.csrf(page)})
        self.assertEqual(status, 400)
        self.assertEqual(
            Client(server).login(address, 'Etoile-filante-26')[0], 303)
        self.assertEqual(Client(server).login(address)[0], 401)
