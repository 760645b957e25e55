"""Seeded, bounded fuzzing of every portal route over real HTTP.

Part of the permanent adversarial layer (issue 13): every rule of trytond's
URL map under ``/<database_name>/portal`` and ``/connexion_marketing/`` gets
requests with every method, bad and huge ids, NaN and infinities, Unicode
digits, NUL bytes, 1 MB strings, cross-site origins and mutated cookies,
logged in (with a valid CSRF token, so that the form is really read) and
anonymous. No answer may be a server error, and text sent by an attacker
must never come back as markup.

The sequence is drawn from a fixed seed: a failure is reproduced by running
the test again. It runs on the server of ``tests/test_portal.py`` (no
database of its own) and sends about 600 requests."""
import base64
import datetime as dt
import html
import http.client
import random
import re
import unittest
import urllib.parse

from tests import test_portal
from tests.test_portal import DEMO_PASSWORD, Client, multipart

SEED = 1234
REQUESTS = 600
# An active demo volunteer with a portal account and past missions (so the
# hours form is there), used by no other test of this server.
VOLUNTEER = 'benevole24@mille-etoiles.example'

MARKUP = '<script>x</script>'
# Values a form field never expects.
NASTY = [
    'NaN', 'nan', 'sNaN', '-sNaN', 'Infinity', '-Infinity', 'inf', '1e999',
    '1E+9999999', '-0', '0', '-1', '0,0001', '1,5', '2.5', '1_000',
    '²', '³⁴', '١٢', '๓', '½', '0x10', '  7  ',
    str(2 ** 31 - 1), str(2 ** 31), str(2 ** 63 - 1), str(2 ** 63),
    str(2 ** 64), '9' * 40, '-' + '9' * 40,
    '\x00', 'a\x00b', '12\x00', '\x00' * 10,
    '', ' ', '\t', '\r\n', '\u202e', '\ufeff', '🙂' * 50, 'é' * 300,
    MARKUP, '"><img src=x onerror=alert(1)>', "'; DROP TABLE party_party;--",
    '%00', '%s%s%n', '{0}', '../../../../etc/passwd', '//evil.example',
    '\\\\evil.example', 'javascript:alert(1)',
    '2026-02-30', '0001-01-01', '9999-12-31', '10000-01-01', '2026-13-01',
    '31/12/2026', 'on', 'off', 'true',
    ]
# A string of 1 MB (fits trytond's 2 MB request limit once encoded).
HUGE = 'x' * (1024 * 1024)
# Ids for the URL converters: real ones are added from the pages.
IDS = [0, 1, 2, 2 ** 31 - 1, 2 ** 31, 2 ** 63 - 1, 2 ** 63, 2 ** 64,
    10 ** 40]
TOKENS = ['', 'A' * 32, 'a' * 24 + '\x00', '\x00', 'x' * 2000, '..',
    '%2e%2e%2f', 'é' * 30, MARKUP, 'NaN']
# Field names of the portal's forms (and of the preference page).
FIELDS = ['email', 'password', 'suite', 'token', 'mission', 'date',
    'heures', 'km', 'description', 'montant', 'abandon', 'langues',
    'urgence_nom', 'urgence_tel', 'titre', 'texte', 'equipe', 'categorie',
    'anonyme', 'consent_1', 'consent_x', 'list-1', 'list-x', 'purpose-1',
    'purpose-\x00']
METHODS = ['GET', 'POST', 'PUT', 'DELETE']
# Answers that show an attacker's markup came back unescaped.
RAW = re.compile(r'<script|<img src=x', re.IGNORECASE)


def setUpModule():
    "Start (or reuse) the portal server of tests/test_portal.py."
    test_portal.setUpModule()


def rules():
    "The portal's and connexion_marketing's rules of trytond's URL map."
    from trytond.wsgi import app
    import connexion_portal  # noqa: F401 (registers the routes)
    import connexion_dreams  # noqa: F401
    import connexion_governance  # noqa: F401
    import connexion_ideas  # noqa: F401
    import connexion_marketing  # noqa: F401
    import connexion_volunteer  # noqa: F401
    return sorted((r for r in app.url_map.iter_rules()
            if r.rule.startswith(('/<database_name>/portal',
                    '/connexion_marketing/'))), key=lambda r: r.rule)


def send(server, method, path, body=b'', headers=None, cookies=None):
    "One raw request: (status, text); cookies are not kept."
    conn = http.client.HTTPConnection('127.0.0.1', server.port, timeout=120)
    headers = dict(headers or {})
    if cookies:
        headers['Cookie'] = '; '.join(f'{k}={v}' for k, v in cookies.items())
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode('utf-8', 'replace')
    finally:
        conn.close()


class Fuzzer:
    "Draws the requests from the seed and records the bad answers."

    def __init__(self, server, rng):
        self.server = server
        self.rng = rng
        self.base = f'/{urllib.parse.quote(server.database)}/portal'
        self.count = 0
        self.failures = []
        self.serial = 0
        self.volunteer = self.anonymous = None
        self.login()
        self.ids = self.real_ids()

    # Sessions

    def login(self):
        "The volunteer's session and token, and an anonymous CSRF pair."
        volunteer = Client(self.server)
        status, _ = volunteer.login(VOLUNTEER, DEMO_PASSWORD)
        assert status == 303, status
        self.volunteer = volunteer
        self.volunteer_token = volunteer.csrf(volunteer.get('/profil')[2])
        anonymous = Client(self.server)
        self.anonymous = anonymous
        self.anonymous_token = anonymous.csrf(anonymous.get('/connexion')[2])

    def real_ids(self):
        "Ids the volunteer may really use: shifts, sign-ups, ideas, missions."
        ids = set()
        for path, pattern in [
                ('/missions', r'/missions/(\d+)/inscription'),
                ('/', r'/inscriptions/(\d+)/annuler'),
                ('/idees', r'/idees/(\d+)'),
                ('/heures', r'<option value="(\d+)"')]:
            page = self.volunteer.get(path)[2]
            ids.update(int(i) for i in re.findall(pattern, page)[:5])
        self.missions = re.findall(r'<option value="(\d+)"',
            self.volunteer.get('/heures')[2]) or ['1']
        return sorted(ids)

    # Values

    def value(self):
        rng = self.rng
        draw = rng.random()
        if draw < 0.03:
            return HUGE
        if draw < 0.75:
            return rng.choice(NASTY)
        if draw < 0.9:
            return str(rng.choice(IDS + self.ids))
        return ''.join(rng.choice('0123456789,.-eE ²\x00<>"\'&')
            for _ in range(rng.randint(1, 12)))

    def unique(self, value):
        """An e-mail never tried before: web_user sleeps 2^n - 1 s after n
        failures of one address, which would stall the run."""
        self.serial += 1
        return f'{value[:200]}.{self.serial}.{self.rng.random()}@fuzz.example'

    def base_form(self, rule):
        "Valid values of the rule's form, so that one bad field is reached."
        today = dt.date.today().isoformat()
        path = rule.rule
        email = self.unique('fuzz')
        if path.endswith('/connexion'):
            return {'email': email, 'password': 'pas-le-bon', 'suite': '/'}
        if path.endswith(('/mot-de-passe-oublie', '/nouveau-mot-de-passe')):
            return {'email': email, 'token': 'x' * 20,
                'password': 'Etoile-filante-26'}
        if path.endswith('/heures'):
            return {'mission': self.rng.choice(self.missions), 'date': today,
                'heures': '2', 'km': '12', 'description': "Fuzz"}
        if path.endswith('/frais'):
            return {'date': today, 'description': "Fuzz", 'montant': '5',
                'km': '', 'mission': self.rng.choice(self.missions + [''])}
        if path.endswith('/profil'):
            return {'langues': "français", 'urgence_nom': "Fuzz",
                'urgence_tel': '+33 1 00 00 00 00'}
        if path.endswith('/idees/nouvelle'):
            return {'titre': "Fuzz", 'texte': "Fuzz", 'equipe': '',
                'categorie': '', 'anonyme': ''}
        if path.endswith('/vote'):
            return {'suite': '/idees'}
        return {}

    def url(self, rule, fixed=None):
        "The rule's path with each argument drawn (or given in fixed)."
        rng = self.rng

        def argument(match):
            converter, _, name = match.group(1).rpartition(':')
            if fixed and name in fixed:
                value = fixed[name]
            elif name == 'database_name':
                value = self.server.database
            elif converter == 'int':
                value = rng.choice(IDS + self.ids * 2)
            else:
                value = rng.choice(TOKENS)
            if converter in {'base64', 'connexion_db'}:
                return base64.urlsafe_b64encode(
                    str(value).encode()).decode().rstrip('=')
            return urllib.parse.quote(str(value), safe='')
        return re.sub(r'<([^>]+)>', argument, rule.rule)

    # Requests

    def request(self, rule, method, path=None, form=None, logged_in=True,
            origin=None, cookies=None, files=None, csrf=True):
        "Send one request and record it if the answer is wrong."
        path = path or self.url(rule)
        client = self.volunteer if logged_in else self.anonymous
        token = self.volunteer_token if logged_in else self.anonymous_token
        sent_cookies = dict(client.cookies)
        sent_cookies.update(cookies or {})
        headers = {}
        if origin:
            headers['Origin'] = origin
        body = b''
        if method != 'GET' or form:
            form = dict(form or {})
            if csrf:
                form.setdefault('csrf', token)
            if files:
                body, headers['Content-Type'] = multipart(form, files)
            else:
                body = urllib.parse.urlencode(form).encode()
                headers['Content-Type'] = 'application/x-www-form-urlencoded'
            if method == 'GET':
                path += '?' + body.decode()
                body = b''
                del headers['Content-Type']
        status, text = send(self.server, method, path, body, headers,
            sent_cookies)
        self.count += 1
        summary = (method, urllib.parse.unquote(path)[:120],
            {k: str(v)[:40] for k, v in (form or {}).items() if k != 'csrf'},
            status)
        if status >= 500:
            self.failures.append(('status',) + summary)
        elif RAW.search(text):
            self.failures.append(('markup',) + summary)
        if (logged_in and rule.rule.endswith('/deconnexion')
                and status < 400):
            self.login()  # the fuzzing went on logged in
        return status, text

    def targeted(self, rules):
        "Each rule with each method and each known attack once."
        today = dt.date.today().isoformat()
        for rule in rules:
            for method in METHODS:
                for logged_in in [True, False]:
                    self.request(rule, method, form=self.base_form(rule),
                        logged_in=logged_in)
            if any('int:' in a for a in re.findall(r'<([^>]+)>', rule.rule)):
                for id_ in [2 ** 31, 2 ** 63, 2 ** 64, 10 ** 40]:
                    fixed = {n: id_ for n in rule.arguments}
                    fixed.pop('database_name', None)
                    self.request(rule,
                        'POST' if 'POST' in (rule.methods or ()) else 'GET',
                        path=self.url(rule, fixed),
                        form=self.base_form(rule))
        # Database names that are not base64 of a name (bad padding, bytes
        # that are no UTF-8) in connexion_marketing's e-mailed addresses.
        for rule in rules:
            if 'database_name' in rule.arguments and ':database_name>' in (
                    rule.rule) and not rule.rule.startswith('/<'):
                database = base64.urlsafe_b64encode(
                    self.server.database.encode()).decode().rstrip('=')
                for name in ['a', '_-_-', '%FF', '....']:
                    path = self.url(rule).replace(
                        f'/{database}/', f'/{name}/', 1)
                    self.request(rule, 'GET', path=path)
        by_path = {r.rule.split('/portal', 1)[-1]: r for r in rules}
        attacks = [
            ('/heures', 'heures', ['NaN', 'sNaN', 'Infinity', '-Infinity',
                    '1e999', '²']),
            ('/heures', 'km', ['²', '١٢', str(2 ** 31), str(2 ** 63), '-1']),
            ('/heures', 'mission', [str(2 ** 63), '²', '\x00']),
            ('/heures', 'date', ['10000-01-01', '\x00', '2026-02-30']),
            ('/heures', 'description', ['a\x00b', HUGE]),
            ('/frais', 'montant', ['NaN', 'sNaN', 'Infinity', '1e999']),
            ('/frais', 'km', ['²', str(2 ** 31), str(2 ** 63)]),
            ('/frais', 'mission', [str(2 ** 63), '١٢']),
            ('/frais', 'description', ['a\x00b', HUGE]),
            ('/profil', 'langues', ['a\x00b', HUGE]),
            ('/profil', 'urgence_tel', ['\x00']),
            ('/idees/nouvelle', 'titre', ['a\x00b', HUGE]),
            ('/idees/nouvelle', 'texte', ['a\x00b']),
            ('/idees/nouvelle', 'equipe', [str(2 ** 63), '١', '²']),
            ('/idees/nouvelle', 'categorie', [str(2 ** 63), '-1']),
            ('/connexion', 'email', ['a\x00b@example.org']),
            ('/connexion', 'password', ['\x00']),
            ('/connexion', 'suite', ['\x00', '//evil.example']),
            ('/mot-de-passe-oublie', 'email', ['a\x00b@example.org']),
            ('/nouveau-mot-de-passe', 'token', ['\x00']),
            ]
        for path, field, values in attacks:
            rule = by_path.get(path)
            if rule is None:
                continue
            for value in values:
                form = self.base_form(rule)
                form[field] = value
                self.request(rule, 'POST', path=self.url(rule), form=form,
                    logged_in=not path.startswith(('/connexion', '/mot-de',
                            '/nouveau')))
        # Cross-site forms, and the null origin of sandboxed pages.
        for path in ['/profil', '/heures', '/connexion']:
            for origin in ['http://evil.example', 'null']:
                rule = by_path[path]
                self.request(rule, 'POST', form=self.base_form(rule),
                    origin=origin)
        # Receipts: any bytes under any name.
        rule = by_path['/frais']
        for name, content in [('x.html', b'<html><script>x</script>'),
                ('<img src=x onerror=alert(1)>.pdf', b'%PDF-1.4 x'),
                ('a\x00b.png', b'\x89PNG\r\n\x1a\n'),
                ('../../etc/passwd', b'root:x:0:0'), ('', b'')]:
            form = self.base_form(rule)
            form['date'] = today
            self.request(rule, 'POST', form=form,
                files={'justificatif': (name, content)})

    def cookies(self):
        "A mutation of the portal's cookies."
        rng = self.rng
        name = rng.choice(['connexion_portal', 'connexion_portal_csrf',
                'connexion_portal_flash'])
        key = self.volunteer.cookies.get('connexion_portal', '')
        value = rng.choice([
                key[:-1], key + 'x', key[:8], '', 'x' * 4000, '"\\000"',
                '"a\\000b"', '%00', '%ZZ', '!' + '%E9' * 20, '\x00',
                '%3Cscript%3Ex%3C%2Fscript%3E', '"' + key + '"',
                'é' * 10, '2' * 64])
        return {name: value}

    def random(self, rules):
        "Requests drawn from the seed until the budget is spent."
        rng = self.rng
        while self.count < REQUESTS:
            rule = rng.choice(rules)
            method = rng.choice(METHODS)
            form = self.base_form(rule)
            for _ in range(rng.randint(1, 3)):
                field = rng.choice(list(form) + FIELDS)
                value = self.value()
                if field == 'email':
                    value = self.unique(value[:50])
                form[field] = value
            draw = rng.random()
            self.request(rule, method, form=form,
                logged_in=rng.random() < 0.7,
                origin=rng.choice(['http://evil.example', 'null'])
                if draw < 0.05 else None,
                cookies=self.cookies() if 0.05 <= draw < 0.2 else None,
                csrf=rng.random() < 0.9)


class PortalFuzzTest(unittest.TestCase):

    def test_fuzz_every_route(self):
        "Seeded requests to every portal route: no server error, no markup"
        server = test_portal.server
        routes = rules()
        paths = {r.rule for r in routes}
        # The discovery found the portal of each module and the e-mails'.
        for path in ['/<database_name>/portal/heures',
                '/<database_name>/portal/idees/nouvelle',
                '/<database_name>/portal/agenda/<token>.ics']:
            self.assertIn(path, paths)
        self.assertTrue(
            any(p.startswith('/connexion_marketing/') for p in paths))
        fuzzer = Fuzzer(server, random.Random(SEED))
        fuzzer.targeted(routes)
        fuzzer.random(routes)
        self.assertGreaterEqual(fuzzer.count, REQUESTS)
        report = '\n'.join(repr(f) for f in fuzzer.failures[:40])
        self.assertEqual(fuzzer.failures, [],
            f"{len(fuzzer.failures)} bad answers of {fuzzer.count}:\n"
            + report)

    def test_stored_text_is_escaped(self):
        "Markup sent in an idea, an expense or the profile shows as text"
        client = Client(test_portal.server)
        self.assertEqual(client.login(VOLUNTEER)[0], 303)
        escaped = html.escape(MARKUP)
        title = f"Idée {MARKUP} fuzz"
        _, _, page = client.get('/idees/nouvelle')
        status, _, _ = client.post('/idees/nouvelle', {'titre': title,
                'texte': MARKUP, 'equipe': '', 'categorie': '',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        _, _, page = client.get('/idees')
        self.assertNotIn(MARKUP, page)
        self.assertIn(html.escape(title), page)
        idea_id = re.findall(r'/idees/([\w-]+)"', page.split(
                html.escape(title))[0])[-1]
        _, _, page = client.get(f'/idees/{idea_id}')
        self.assertNotIn(MARKUP, page)
        self.assertIn(escaped, page)
        _, _, page = client.get('/frais')
        status, _, _ = client.post('/frais', {
                'date': dt.date.today().isoformat(),
                'description': f"Frais {MARKUP}", 'montant': '3',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        _, _, page = client.get('/frais')
        self.assertNotIn(MARKUP, page)
        self.assertIn(f"Frais {escaped}", page)
        _, _, page = client.get('/heures')
        mission = re.search(r'<option value="(\d+)"', page)
        if mission:
            status, _, _ = client.post('/heures', {
                    'mission': mission.group(1),
                    'date': dt.date.today().isoformat(), 'heures': '1',
                    'description': MARKUP, 'csrf': client.csrf(page)})
            self.assertEqual(status, 303)
            self.assertNotIn(MARKUP, client.get('/heures')[2])
        _, _, page = client.get('/profil')
        status, _, _ = client.post('/profil', {'langues': MARKUP,
                'urgence_nom': MARKUP, 'urgence_tel': '',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        _, _, page = client.get('/profil')
        self.assertNotIn(MARKUP, page)
        self.assertIn(f'value="{escaped}"', page)


# Another one, for the tests of precise answers.
INPUT_VOLUNTEER = 'benevole23@mille-etoiles.example'
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01' + b'\x00' * 64


class PortalInputTest(unittest.TestCase):
    "Malformed values get a 4xx and a French message, never a 500"

    def setUp(self):
        self.client = Client(test_portal.server)
        self.assertEqual(self.client.login(INPUT_VOLUNTEER)[0], 303)

    def form(self, path):
        "The csrf token of the page and its first <option>, if any."
        _, _, page = self.client.get(path)
        option = re.search(r'<option value="(\d+)"', page)
        return self.client.csrf(page), option.group(1) if option else '1'

    def test_malformed_numbers(self):
        "NaN, infinities, Unicode digits and huge numbers are refused"
        today = dt.date.today().isoformat()
        token, mission = self.form('/heures')
        for field, value, message in [
                ('heures', 'NaN', "Indiquez un nombre d'heures"),
                ('heures', 'sNaN', "Indiquez un nombre d'heures"),
                ('heures', 'Infinity', "Indiquez un nombre d'heures"),
                ('km', '²', "Indiquez les kilomètres en nombre entier"),
                ('km', str(2 ** 31), "Indiquez les kilomètres en nombre entier"),
                ('mission', str(2 ** 63), "Choisissez la mission"),
                ]:
            data = {'mission': mission, 'date': today, 'heures': '2',
                'km': '3', 'csrf': token}
            data[field] = value
            status, _, page = self.client.post('/heures', data)
            self.assertEqual(status, 400, (field, value))
            self.assertIn(message, html.unescape(page), (field, value))
            # What was typed is shown again, to be corrected.
            if field != 'mission':
                self.assertIn(f'value="{html.escape(value)}"', page)
        token, mission = self.form('/frais')
        for field, value in [('montant', 'NaN'), ('montant', 'sNaN'),
                ('montant', '-Infinity'), ('km', '²'),
                ('km', str(2 ** 63)), ('mission', str(2 ** 63))]:
            data = {'date': today, 'description': "Timbres", 'montant': '4',
                'csrf': token}
            data[field] = value
            status, _, page = self.client.post('/frais', data)
            self.assertEqual(status, 400, (field, value))
            self.assertIn('value="Timbres"', page)
        # An unknown team or theme of an idea is no team (the idea stays).
        _, _, page = self.client.get('/idees/nouvelle')
        status, _, _ = self.client.post('/idees/nouvelle', {
                'titre': "Idée aux grands nombres", 'texte': "…",
                'equipe': str(2 ** 63), 'categorie': '١٢',
                'csrf': self.client.csrf(page)})
        self.assertEqual(status, 303)

    def test_huge_ids_in_urls(self):
        "An id beyond the database's integers is not found"
        token, _ = self.form('/missions')
        for id_ in [2 ** 31, 2 ** 63, 2 ** 64]:
            status, _, page = self.client.post(
                f'/missions/{id_}/inscription', {'csrf': token})
            self.assertEqual(status, 404, id_)
            self.assertIn("Introuvable", page)
            self.assertEqual(self.client.get(f'/idees/{id_}')[0], 404)
            self.assertEqual(self.client.post(f'/idees/{id_}/vote',
                    {'csrf': token})[0], 404)

    def test_nul_bytes(self):
        "A NUL character in any field is refused, logged in or not"
        token, _ = self.form('/profil')
        status, _, page = self.client.post('/profil', {
                'langues': 'fran\x00çais', 'urgence_nom': "Nul",
                'csrf': token})
        self.assertEqual(status, 400)
        self.assertIn("caractère invalide", page)
        self.assertNotIn('value="Nul"', self.client.get('/profil')[2])
        anonymous = Client(test_portal.server)
        _, _, page = anonymous.get('/connexion')
        status, _, page = anonymous.post('/connexion', {
                'email': 'a\x00b@example.org', 'password': 'x',
                'csrf': anonymous.csrf(page)})
        self.assertEqual(status, 400)
        self.assertIn("caractère invalide", page)

    def test_cross_site_origin(self):
        "A form from another site, or a sandboxed one, gets a French 403"
        token, _ = self.form('/profil')
        for origin in ['http://evil.example', 'null']:
            status, _, page = self.client.post('/profil', {
                    'langues': "volapük", 'csrf': token},
                headers={'Origin': origin})
            self.assertEqual(status, 403, origin)
            self.assertIn("Formulaire refusé", page)
        self.assertNotIn("volapük", self.client.get('/profil')[2])

    def test_receipt_type_name_and_size(self):
        "Only photos and PDF, by content, named harmlessly, 10 MB at most"
        query = test_portal.server.query
        today = dt.date.today().isoformat()
        token, _ = self.form('/frais')
        data = {'date': today, 'montant': '7,20', 'csrf': token}
        # Markup named as anything: refused, the typed values kept.
        for name, content in [('ticket.html', b'<html><script>x</script>'),
                ('ticket.pdf', b'<html><body>not a pdf</body></html>'),
                ('photo.jpg', b'GIF89a\x01\x00\x01\x00')]:
            data['description'] = f"Reçu {name}"
            status, _, page = self.client.upload('/frais', data,
                {'justificatif': (name, content)})
            self.assertEqual(status, 400, name)
            self.assertIn("photo (JPEG, PNG, HEIC, WebP) ou un PDF",
                html.unescape(page))
            self.assertIn(f'value="Reçu {name}"', page)
            self.assertEqual(query('SELECT id FROM connexion_volunteer_expense'
                    ' WHERE description = %s', f"Reçu {name}"), [])
        # A real photo under a name made of markup: stored, renamed.
        data['description'] = "Reçu photo renommée"
        status, _, _ = self.client.upload('/frais', data,
            {'justificatif': ('../<img src=x>.html', JPEG)})
        self.assertEqual(status, 303)
        (expense,), = query('SELECT MAX(id) FROM connexion_volunteer_expense '
            'WHERE description = %s', "Reçu photo renommée")
        (name,), = query('SELECT name FROM ir_attachment WHERE resource = %s',
            f'connexion.volunteer.expense,{expense}')
        self.assertTrue(name.endswith('.jpg'), name)
        self.assertFalse(set(name) & set('<>/\\"\''), name)
        # Too large: a French message, nothing recorded.
        data['description'] = "Reçu trop lourd"
        big = JPEG + b'\x00' * (10 * 1024 * 1024)
        status, _, page = self.client.upload('/frais', data,
            {'justificatif': ('grand.jpg', big)})
        self.assertEqual(status, 400)
        self.assertIn("dépasse 10 Mo", html.unescape(page))
        self.assertEqual(query('SELECT id FROM connexion_volunteer_expense '
                'WHERE description = %s', "Reçu trop lourd"), [])

    def test_unexpected_error_is_logged(self):
        "A bug answers a French 500 and leaves its traceback in the log"
        server = test_portal.server
        token, _ = self.form('/frais')
        status, _, _ = self.client.post('/frais', {
                'date': dt.date.today().isoformat(),
                'description': "Frais à l'état inconnu", 'montant': '1',
                'csrf': token})
        self.assertEqual(status, 303)
        # A state no page knows, as a buggy module would leave it.
        server.query("UPDATE connexion_volunteer_expense SET state = 'lost' "
            'WHERE description = %s', "Frais à l'état inconnu")
        try:
            status, _, page = self.client.get('/frais')
        finally:
            server.query("UPDATE connexion_volunteer_expense "
                "SET state = 'refused' WHERE description = %s",
                "Frais à l'état inconnu")
        self.assertEqual(status, 500)
        self.assertIn("Erreur du portail", page)
        self.assertIn('lang="fr"', page)
        log = server.log()
        self.assertIn('ERROR connexion_portal.portal Portal page GET', log)
        self.assertIn("KeyError: 'lost'", log)
