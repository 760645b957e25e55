"""The volunteer portal as a test sees it: the demo server every portal test
shares (its e-mails caught by aiosmtpd on loopback), an HTTP client that
keeps its cookies, checks of the pages, and a phone-sized Chromium."""
import atexit
import html
import http.client
import http.cookies
import re
import urllib.parse

from connexion_asso.tests.server import Server, chrome
from connexion_asso.tests.smtp import Catcher, loopback

DEMO_PASSWORD = 'connexion-demo'
# The e-mails the portal server sent, as bytes, in order.
MAILS = []
_portal = {}


def portal_server():
    """The demo server of the portal tests, started the first time (whichever
    module comes first: one database build for all) and stopped at exit."""
    if 'server' not in _portal:
        smtp = loopback(Catcher(MAILS))
        _portal['smtp'] = smtp
        server = Server().create()
        with open(server.config, 'a') as fp:
            fp.write(f"\n[email]\nuri = smtp://127.0.0.1:{smtp.port}\n"
                "from = benevoles@mille-etoiles.example\n")
        server.start()
        _portal['server'] = server
        atexit.register(stop_portal_server)
    return _portal['server']


def query(sql, *params):
    """Rows of a query run straight on the portal server's database ('%s'
    params)."""
    return portal_server().query(sql, *params)


def stop_portal_server():
    if 'server' in _portal:
        _portal.pop('server').stop()
    if 'smtp' in _portal:
        _portal.pop('smtp').stop()


def multipart(data, files):
    "Encode a multipart/form-data body, as a browser sends file uploads."
    boundary = 'connexion-test-boundary'
    parts = []
    for name, value in data.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; '
            f'name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; '
            f'name="{name}"; filename="{filename}"\r\n'
            'Content-Type: application/octet-stream\r\n\r\n'.encode()
            + content + b'\r\n')
    parts.append(f'--{boundary}--\r\n'.encode())
    return b''.join(parts), f'multipart/form-data; boundary={boundary}'


class Client:
    "A tiny HTTP client that keeps cookies and does not follow redirects."

    def __init__(self, server):
        self.server = server
        self.base = f'/{urllib.parse.quote(server.database)}/portal'
        self.cookies = {}

    def request(self, method, path, data=None, headers=None, files=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
            timeout=60)
        headers = dict(headers or {})
        if self.cookies:
            headers['Cookie'] = '; '.join(
                f'{k}={v}' for k, v in self.cookies.items())
        body = None
        if files is not None:
            body, headers['Content-Type'] = multipart(data or {}, files)
        elif data is not None:
            body = urllib.parse.urlencode(data)
            headers['Content-Type'] = 'application/x-www-form-urlencoded'
        if path.startswith(('http://', 'https://')):
            # An absolute link of a page (the calendar feed): its path.
            parts = urllib.parse.urlsplit(path)
            path = parts.path + ('?' + parts.query if parts.query else '')
        url = path if path.startswith('/') and path.startswith(
            self.base) else self.base + path
        conn.request(method, url, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode('utf-8', 'replace')
        for header in response.headers.get_all('Set-Cookie') or []:
            cookie = http.cookies.SimpleCookie(header)
            for name, morsel in cookie.items():
                if morsel['max-age'] == '0' or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, text

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, data, **kw):
        return self.request('POST', path, data=data, **kw)

    def upload(self, path, data, files):
        "POST a multipart form; files: {name: (filename, bytes)}."
        return self.request('POST', path, data=data, files=files)

    def csrf(self, html):
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    def login(self, email, password=DEMO_PASSWORD):
        _, _, page = self.get('/connexion')
        status, headers, _ = self.post('/connexion', {
                'email': email, 'password': password, 'suite': '/',
                'csrf': self.csrf(page)})
        return status, headers


class LoginMixin:
    "A test of pages that volunteers see once logged in."

    def client(self, email):
        "A client logged in as the volunteer of email (demo password)."
        client = Client(portal_server())
        status, _ = client.login(email)
        self.assertEqual(status, 303)
        return client


def assert_field_error(test, page, name, message):
    """The error message is shown next to the field name (between its label
    and its control), tied to it by aria-describedby and aria-invalid."""
    match = re.search(
        rf'<label for="{name}">.*?</label>(?:<p class="hint"[^>]*>.*?</p>)?'
        rf'<p class="field-error" id="{name}-erreur">(.*?)</p>'
        rf'(?:<p class="field-note"[^>]*>.*?</p>)?'
        rf'<(?:input|select|textarea) id="{name}"([^>]*)>', page, re.S)
    test.assertTrue(match, f"no error next to {name}")
    test.assertIn(message, html.unescape(re.sub('<[^>]+>', '', match.group(1))))
    attributes = match.group(2)
    test.assertIn('aria-invalid="true"', attributes)
    described = re.search(r'aria-describedby="([^"]*)"', attributes).group(1)
    test.assertIn(f'{name}-erreur', described.split())


def field_tag(page, name):
    "The opening tag of the control of the field name."
    return re.search(rf'<(?:input|select|textarea) id="{name}"[^>]*>',
        page).group(0)


def visible_text(page):
    """The text a reader sees (tags and what the volunteer typed in text
    areas left out), and the attributes shown on screen."""
    shown = re.findall(r'\s(?:placeholder|title|aria-label|alt)="([^"]*)"',
        page)
    page = re.sub(r'<textarea[^>]*>.*?</textarea>', ' ', page, flags=re.S)
    text = re.sub(r'<[^>]*>', '', page)
    return html.unescape(text + '\n' + '\n'.join(shown))


class PhoneMixin:
    "A test in Chromium at the size of a 375 px phone."

    def setUp(self):
        from selenium.webdriver.support.ui import WebDriverWait
        self.driver = chrome()
        self.addCleanup(self.driver.quit)
        self.driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {
                'width': 375, 'height': 812, 'deviceScaleFactor': 2,
                'mobile': True})
        self.wait = WebDriverWait(self.driver, 30)

    def phone_login(self, path, email):
        "Open path on the portal server, log in as email on the form shown."
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC
        server = portal_server()
        self.driver.get(f'{server.url}/'
            f'{urllib.parse.quote(server.database)}/portal{path}')
        self.wait.until(EC.visibility_of_element_located(
                (By.ID, 'email'))).send_keys(email)
        self.driver.find_element(By.ID, 'password').send_keys(DEMO_PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, 'main button').click()

    def assert_fits_phone(self):
        "No horizontal scrolling and finger-sized buttons at 375 px."
        from selenium.webdriver.common.by import By
        width = self.driver.execute_script(
            'return document.documentElement.scrollWidth')
        self.assertLessEqual(width, 375)
        for button in self.driver.find_elements(By.CSS_SELECTOR,
                'main button'):
            if button.is_displayed():
                self.assertGreaterEqual(button.size['height'], 44)
