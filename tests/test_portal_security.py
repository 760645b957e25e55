"""The portal's authentication under attack, on a real server.

Its own server (not test_portal's): it sits behind one reverse proxy
(``[web] num_proxies = 1``, the client address comes from
X-Forwarded-For), its public address is set in ``[connexion] public_url``,
and its attempt limits are low so that the tests reach them."""
import configparser
import email
import email.policy
import html
import re
import threading
import time
import unittest
import urllib.parse
import uuid

from tests.support import Server, backend
from tests.test_portal import DEMO_PASSWORD, Client

PUBLIC_URL = 'https://benevoles.example.org/espace'
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
# Documentation networks (RFC 5737): addresses given in X-Forwarded-For.
ATTACKER = '192.0.2.66'
OTHER = '198.51.100.7'

server = None
smtp = None
MAILS = []


def volunteer_email(number):
    "Demo portal accounts: volunteers 9 to 57 (onboarding, active, paused)."
    return f'benevole{number:02d}@mille-etoiles.example'


def setUpModule():
    global server, smtp
    from connexion_asso.tests.smtp import Catcher, loopback
    smtp = loopback(Catcher(MAILS))
    server = Server().create()
    config = configparser.ConfigParser(interpolation=None)
    config.read(server.config)
    config['web']['num_proxies'] = '1'
    config['email'] = {'uri': f'smtp://127.0.0.1:{smtp.port}',
        'from': 'benevoles@mille-etoiles.example'}
    config['connexion'] = {'public_url': PUBLIC_URL,
        'portal_max_attempt': str(ACCOUNT_LIMIT),
        'portal_max_attempt_address': str(ADDRESS_LIMIT)}
    with open(server.config, 'w') as fp:
        config.write(fp)
    server.start()


def tearDownModule():
    global server, smtp
    if server:
        server.stop()
        server = None
    if smtp:
        smtp.stop()
        smtp = None


class ProxiedClient(Client):
    "A browser behind the reverse proxy, from the given address."

    def __init__(self, server, address=OTHER, host=None):
        super().__init__(server)
        self.address = address
        self.host = host

    def request(self, method, path, data=None, headers=None, files=None):
        headers = dict(headers or {})
        headers.setdefault('X-Forwarded-For', self.address)
        if self.host:
            headers['Host'] = self.host
        return super().request(method, path, data=data, headers=headers,
            files=files)


def wait_mail(count):
    "Mails leave when the transaction commits: wait for them."
    for _ in range(300):
        if len(MAILS) >= count:
            return
        time.sleep(0.1)
    raise AssertionError("no e-mail received")


def reset_link(test, client, address):
    """Ask for a reset link: the e-mail's HTML (web_user's e-mail) and the
    link of its button."""
    _, _, page = client.get('/mot-de-passe-oublie')
    before = len(MAILS)
    status, _, _ = client.post('/mot-de-passe-oublie', {
            'email': address, 'csrf': client.csrf(page)})
    test.assertEqual(status, 303)
    wait_mail(before + 1)
    message = email.message_from_bytes(MAILS[before],
        policy=email.policy.default)
    test.assertEqual(message['To'], address)
    body = message.get_body(('html',)).get_content()
    return body, html.unescape(
        re.search(r'href="(https?://[^"]+)"', body).group(1))


class PublicURLTest(unittest.TestCase):
    "Every absolute URL comes from [connexion] public_url, never the request"

    def test_reset_link_ignores_host_header(self):
        "A reset asked with a forged Host header still links to the portal"
        address = volunteer_email(21)
        client = ProxiedClient(server, host='evil.example')
        text, link = reset_link(self, client, address)
        self.assertNotIn('evil.example', text)
        base = f'{PUBLIC_URL}/{urllib.parse.quote(server.database)}/portal'
        self.assertTrue(link.startswith(base + '/nouveau-mot-de-passe?'),
            link)
        # The link works once the proxy removed the public prefix.
        status, _, page = ProxiedClient(server).get(link[len(base):])
        self.assertEqual(status, 200)
        self.assertIn('name="token"', page)

    def test_calendar_and_cookies(self):
        "The calendar link and UIDs name the public host; cookies are Secure"
        client = ProxiedClient(server, host='evil.example')
        _, headers, _ = client.get('/connexion')
        cookies = headers.get_all('Set-Cookie')
        self.assertTrue(cookies)
        for cookie in cookies:
            self.assertIn('Secure', cookie)
        status, headers = client.login(volunteer_email(22))
        self.assertEqual(status, 303)
        self.assertTrue(all('Secure' in c
                for c in headers.get_all('Set-Cookie')))
        _, _, home = client.get('/')
        self.assertNotIn('evil.example', home)
        link = html.unescape(re.search(r'href="([^"]+\.ics)"', home).group(1))
        base = f'{PUBLIC_URL}/{urllib.parse.quote(server.database)}/portal'
        self.assertTrue(link.startswith(base + '/agenda/'), link)
        status, _, ics = client.get(link[len(base):])
        self.assertEqual(status, 200)
        for uid in re.findall(r'^UID:(\S+)', ics, re.M):
            self.assertTrue(uid.endswith('@benevoles.example.org'), uid)


class PasswordTokenTest(unittest.TestCase):

    def test_bad_tokens_answer_at_once(self):
        "Guessing reset tokens is refused (429) at once, never slept on"
        address = volunteer_email(23)
        client = ProxiedClient(server, address='192.0.2.23')
        _, _, page = client.get('/nouveau-mot-de-passe')
        statuses = []
        for i in range(12):
            status, _, answer = client.post('/nouveau-mot-de-passe', {
                    'email': address, 'token': f'{i:032x}',
                    'password': 'Deviner-le-jeton', 'csrf': client.csrf(page)})
            statuses.append(status)
            if status == 429:
                self.assertIn("Trop de tentatives", html.unescape(answer))
        self.assertEqual(statuses,
            [400] * ACCOUNT_LIMIT + [429] * (12 - ACCOUNT_LIMIT))
        # The account's owner still logs in with the right password.
        status, _ = ProxiedClient(server).login(address)
        self.assertEqual(status, 303)


class SessionRevocationTest(unittest.TestCase):

    def test_reset_ends_open_sessions(self):
        "A password reset closes every session opened before it"
        address = volunteer_email(24)
        old = ProxiedClient(server)
        self.assertEqual(old.login(address)[0], 303)
        self.assertEqual(old.get('/')[0], 200)
        client = ProxiedClient(server)
        _, link = reset_link(self, client, address)
        base = f'{PUBLIC_URL}/{urllib.parse.quote(server.database)}/portal'
        _, _, page = client.get(link[len(base):])
        fields = dict(re.findall(
                r'name="(email|token)" value="([^"]*)"', page))
        status, _, _ = client.post('/nouveau-mot-de-passe', {
                'email': html.unescape(fields['email']),
                'token': fields['token'], 'password': 'Nouvelle-etoile-24',
                'csrf': client.csrf(page)})
        self.assertEqual(status, 303)
        status, headers, _ = old.get('/')
        self.assertEqual(status, 303)
        self.assertIn('/portal/connexion', headers['Location'])
        self.assertEqual(ProxiedClient(server).login(
                address, 'Nouvelle-etoile-24')[0], 303)


class LeftVolunteerTest(unittest.TestCase):

    def test_left_volunteer_shut_out(self):
        "A volunteer who left can neither log in nor post from a session"
        address = volunteer_email(25)
        client = ProxiedClient(server)
        self.assertEqual(client.login(address)[0], 303)
        _, _, page = client.get('/frais')
        token = client.csrf(page)
        server.query(
            "UPDATE connexion_volunteer SET status = 'left' WHERE party = "
            "(SELECT party FROM web_user WHERE email = %s)", address)
        today = time.strftime('%Y-%m-%d')
        status, headers, _ = client.post('/frais', {'date': today,
                'description': "Frais après départ", 'montant': '15',
                'abandon': 'on', 'csrf': token})
        self.assertEqual(status, 303)
        self.assertIn('/portal/connexion', headers['Location'])
        status, _, page = client.get(headers['Location'])
        self.assertIn("plus actif", html.unescape(page))
        self.assertFalse(server.query(
                "SELECT id FROM connexion_volunteer_expense "
                "WHERE description = %s", "Frais après départ"))
        status, _ = ProxiedClient(server).login(address)
        self.assertEqual(status, 403)
        other = ProxiedClient(server)
        _, _, page = other.get('/connexion')
        status, _, page = other.post('/connexion', {'email': address,
                'password': DEMO_PASSWORD, 'suite': '/',
                'csrf': other.csrf(page)})
        self.assertEqual(status, 403)
        self.assertIn("n'est plus actif", html.unescape(page))
        self.assertNotIn('connexion_portal', other.cookies)


class LoginRateTest(unittest.TestCase):

    def post_many(self, count, email_of, address_of, password='mauvais'):
        "Post count logins in parallel threads; their statuses."
        statuses = [None] * count
        barrier = threading.Barrier(count)

        def attempt(index):
            client = ProxiedClient(server, address=address_of(index))
            _, _, page = client.get('/connexion')
            token = client.csrf(page)
            barrier.wait()
            statuses[index], _, _ = client.post('/connexion', {
                    'email': email_of(index), 'password': password,
                    'suite': '/', 'csrf': token})
        threads = [threading.Thread(target=attempt, args=(i,))
            for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses

    @unittest.skipUnless(backend() == 'postgresql',
        "concurrent writes: PostgreSQL only (SQLite serialises them)")
    def test_parallel_wrong_passwords(self):
        "30 wrong passwords at once on one account: only the limit is tried"
        address = volunteer_email(26)
        statuses = self.post_many(30, lambda i: address,
            lambda i: f'203.0.113.{i + 1}')
        self.assertEqual(set(statuses) - {401, 429}, set())
        self.assertEqual(statuses.count(401), ACCOUNT_LIMIT, statuses)
        # Random e-mails at once from one address: the address is
        # limited, and only the address.
        statuses = self.post_many(30,
            lambda i: f'{uuid.uuid4().hex}@example.org', lambda i: ATTACKER)
        self.assertEqual(set(statuses) - {401, 429}, set())
        self.assertEqual(statuses.count(401), ADDRESS_LIMIT, statuses)
        self.assertEqual(ProxiedClient(server, ATTACKER).login(
                volunteer_email(27))[0], 429)
        self.assertEqual(ProxiedClient(server, '203.0.113.200').login(
                volunteer_email(27))[0], 303)

    def test_address_limit_spares_other_addresses(self):
        "Failures from one address lock that address out, no one else"
        attacker = '192.0.2.77'
        statuses = []
        for i in range(ADDRESS_LIMIT + 3):
            client = ProxiedClient(server, attacker)
            statuses.append(client.login(
                    f'{uuid.uuid4().hex}@example.org', 'mauvais')[0])
        self.assertEqual(statuses, [401] * ADDRESS_LIMIT + [429] * 3)
        self.assertEqual(ProxiedClient(server, attacker).login(
                volunteer_email(28))[0], 429)
        self.assertEqual(ProxiedClient(server, '198.51.100.28').login(
                volunteer_email(28))[0], 303)
        # The account limit: its owner from elsewhere gets 429 while it lasts.
        address = volunteer_email(29)
        statuses = [ProxiedClient(server, f'198.51.100.{100 + i}').login(
                address, 'mauvais')[0] for i in range(ACCOUNT_LIMIT + 2)]
        self.assertEqual(statuses, [401] * ACCOUNT_LIMIT + [429] * 2)
        self.assertEqual(ProxiedClient(server, '198.51.100.150').login(
                address)[0], 429)
