"""A real Connexion server for tests: a fresh database (SQLite or PostgreSQL,
as the test run's backend), modules activated, demo data loaded, ``trytond``
serving sao and the routes on a free loopback port; headless Chromium and
sao's login.

In the module (not in the repository's ``tests`` package) so that every
module's tests can use it; it runs the repository's scripts (demo data,
database setup) and the sao that scripts/test installed."""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

# addons/connexion_asso/tests/server.py: the repository is four levels up.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)


def backend():
    return os.environ.get('CONNEXION_BACKEND', 'sqlite')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def connexion_modules():
    "Every module a deployment activates (config/modules, as the demo)."
    with open(os.path.join(ROOT, 'config', 'modules')) as fp:
        return [line.split('#', 1)[0].strip() for line in fp
            if line.split('#', 1)[0].strip()]


class Server:
    "A trytond server on its own database, stopped and dropped by stop()."

    def __init__(self, modules=None, demo=True, admin_password='admin'):
        # Every server of a test run has the deployment's modules by
        # default: their demo database is built once per run and copied.
        self.modules = list(modules or connexion_modules())
        self.demo = demo
        self.admin_password = admin_password
        self.tmp = tempfile.mkdtemp(prefix='connexion-server-')
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.process = None
        if backend() == 'postgresql':
            self.uri = os.environ['CONNEXION_PG_URI']
            self.database = 'test_srv_' + uuid.uuid4().hex[:10]
        else:
            self.uri = 'sqlite://'
            self.database = 'connexion'
        self.config = os.path.join(self.tmp, 'trytond.conf')
        sao = os.environ.get('CONNEXION_SAO_ROOT') or os.path.join(
            ROOT, 'var', 'sao', 'node_modules', 'tryton-sao')
        # As deployed: trytond calls config/postgresql.sql's wrapper.
        unaccent = ('' if self.uri.startswith('sqlite')
            else 'unaccent_function = immutable_unaccent')
        with open(self.config, 'w') as fp:
            fp.write(f"""[database]
uri = {self.uri}
path = {self.tmp}
list = True
{unaccent}

[web]
listen = 127.0.0.1:{self.port}
root = {sao}

[session]
max_attempt = 50
""")

    def env(self):
        env = dict(os.environ)
        for key in list(env):
            if key.startswith('TRYTOND_') or key in {'DB_NAME', 'DB_CACHE'}:
                del env[key]
        env['TRYTONPASSFILE'] = os.path.join(self.tmp, 'pass')
        return env

    def admin(self, *args):
        subprocess.run(
            [os.path.join(BIN, 'trytond-admin'), '-c', self.config,
                '-d', self.database, *args],
            env=self.env(), check=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)

    def _cache_key(self):
        key = '-'.join(sorted(self.modules)) + ('-demo' if self.demo else '')
        return hashlib.sha1(
            f'{key}-{self.admin_password}'.encode()).hexdigest()[:12]

    def _pg(self, sql):
        import psycopg
        with psycopg.connect(self.uri.rstrip('/') + '/postgres',
                autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if sql.startswith('SELECT') else None

    def _from_cache(self):
        """Copy the database built earlier in this test run for the same
        modules and data, if any (SQLite file copy, PostgreSQL template)."""
        cache = os.environ.get('CONNEXION_SERVER_CACHE')
        if not cache:
            return False
        key = self._cache_key()
        if self.uri.startswith('sqlite'):
            source = os.path.join(cache, key + '.sqlite')
            if not os.path.exists(source):
                return False
            shutil.copy(source, os.path.join(
                    self.tmp, self.database + '.sqlite'))
        else:
            template = os.environ['DB_NAME'] + '_srv_' + key
            if not self._pg("SELECT 1 FROM pg_database "
                    f"WHERE datname = '{template}'"):
                return False
            self._pg(f'CREATE DATABASE "{self.database}" '
                f'TEMPLATE "{template}"')
        return True

    def _to_cache(self):
        cache = os.environ.get('CONNEXION_SERVER_CACHE')
        if not cache:
            return
        key = self._cache_key()
        if self.uri.startswith('sqlite'):
            os.makedirs(cache, exist_ok=True)
            shutil.copy(os.path.join(self.tmp, self.database + '.sqlite'),
                os.path.join(cache, key + '.sqlite'))
        else:
            # Named after the run's database: tests/run.py drops it at the end.
            self._pg(f'CREATE DATABASE "{os.environ["DB_NAME"]}_srv_{key}" '
                f'TEMPLATE "{self.database}"')

    def create(self):
        "Create the database, activate the modules and load the demo data."
        with open(os.path.join(self.tmp, 'pass'), 'w') as fp:
            fp.write(self.admin_password)
        if self._from_cache():
            return self
        if self.uri.startswith('sqlite'):
            open(os.path.join(self.tmp, self.database + '.sqlite'), 'w').close()
        else:
            self._pg(f'CREATE DATABASE "{self.database}"')
            subprocess.run([sys.executable, os.path.join(
                        ROOT, 'scripts', 'lib', 'dbtool.py'), '-c',
                    self.config, '-d', self.database, 'extensions'],
                env=self.env(), check=True)
        self.admin('--all', '--email', 'admin@example.org', '-l', 'fr')
        self.admin('-u', *self.modules, '--activate-dependencies', '-l', 'fr')
        if self.demo:
            subprocess.run(
                [sys.executable, os.path.join(ROOT, 'scripts', 'lib',
                        'demo_data.py'), '-c', self.config, '-d',
                    self.database],
                env=self.env(), check=True, stdout=subprocess.DEVNULL)
        self._to_cache()
        return self

    def query(self, sql, *params):
        """Rows of a statement run straight on the database ('%s' params):
        to set up or check what a test needs without the ORM."""
        if not self.uri.startswith('sqlite'):
            import psycopg
            with psycopg.connect(self.uri.rstrip('/') + '/' + self.database,
                    autocommit=True) as conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        import sqlite3
        conn = sqlite3.connect(os.path.join(
                self.tmp, self.database + '.sqlite'))
        try:
            cursor = conn.execute(sql.replace('%s', '?'), params)
            rows = cursor.fetchall() if cursor.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def start(self):
        log = open(os.path.join(self.tmp, 'trytond.log'), 'w')
        self.process = subprocess.Popen(
            [os.path.join(BIN, 'trytond'), '-c', self.config,
                '-d', self.database],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        # Ready when the database answers (its pool is loaded in the
        # background at start: the first login would wait for it), not only
        # the static web client: the portal's login page needs the pool.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(
                    f'{self.url}/{self.database}/portal/connexion', timeout=30)
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        raise RuntimeError("trytond did not start:\n" + self.log())

    def log(self):
        with open(os.path.join(self.tmp, 'trytond.log')) as fp:
            return fp.read()[-5000:]

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        if not self.uri.startswith('sqlite'):
            import psycopg
            with psycopg.connect(self.uri.rstrip('/') + '/postgres',
                    autocommit=True) as conn:
                conn.execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)


def chrome(lang=None):
    """Headless Debian chromium driven by chromedriver (no downloads).

    lang: the browser's language (navigator.language, Accept-Language), as
    a person's browser is set; headless Chromium ignores --lang alone (its
    language is then en-US)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which('chromium') or '/usr/bin/chromium'
    for arg in ['--headless', '--no-sandbox', '--disable-gpu',
            '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--window-size=1280,900',
            '--lang=' + (lang or 'fr-FR')]:
        options.add_argument(arg)
    if lang:
        options.add_experimental_option(
            'prefs', {'intl.accept_languages': lang})
    options.add_argument('--user-data-dir=' + tempfile.mkdtemp(
            prefix='connexion-chrome-'))
    # The console, for driver.get_log('browser'): a test fails on errors.
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    service = Service(shutil.which('chromedriver') or '/usr/bin/chromedriver')
    return webdriver.Chrome(options=options, service=service)


def sao_login(driver, server, login, password, refused=False, timeout=180):
    """Log in to sao as login: wait for its menu, or, if refused, for the
    password to be asked again; returns the first password prompt.

    The first login of a fresh server can take minutes on a loaded CI machine
    (PostgreSQL and SQLite runs side by side, a browser and a server each):
    long waits, and the page loaded again once if a step never came. A
    failure says what the server and the browser were doing."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    wait = WebDriverWait(driver, timeout)
    password_prompt = (By.CSS_SELECTOR, 'input[type=password]')
    for attempt in range(2):
        try:
            driver.get(f'{server.url}/#{server.database}')
            wait.until(EC.visibility_of_element_located((By.ID, 'login'))
                ).send_keys(login, Keys.ENTER)
            prompt = wait.until(EC.visibility_of_element_located(
                    password_prompt))
            prompt.send_keys(password, Keys.ENTER)
            if refused:
                wait.until(EC.staleness_of(prompt))
                wait.until(EC.visibility_of_element_located(password_prompt))
            else:
                wait.until(lambda d: d.execute_script(
                        "return !!Sao.main_menu_screen && jQuery.active == 0"))
            return prompt
        except TimeoutException:
            if attempt:
                console = [e['message'] for e in driver.get_log('browser')]
                raise AssertionError(
                    f"sao login of {login} did not end in {timeout} s\n"
                    f"browser console: {console[-10:]}\n"
                    f"server log:\n{server.log()}")
