"""scripts/demo as a newcomer meets it: progress while it builds, served as
production serves (gunicorn, cron), portal accounts that can do everything
and e-mails caught on the machine where they can be read.

The mail catcher runs for real (aiosmtpd, smtplib, HTTP); scripts/demo runs
with stand-ins for the programs that take minutes or serve forever
(trytond-admin, the demo data, trytond-cron, gunicorn), as
tests/test_deployment.py runs scripts/serve. The stand-in gunicorn sends an
e-mail through trytond's own sendmail with the demo's configuration."""
import configparser
import email
import email.policy
import os
import shlex
import signal
import smtplib
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
import urllib.error
import urllib.request
from email.message import EmailMessage

from tests.support import ROOT, backend

CATCHER = os.path.join(ROOT, 'scripts', 'lib', 'mail_catcher.py')
RESET = 'http://localhost:8000/connexion_demo/portal/reset/abc123'


def stop(process):
    "SIGINT (Ctrl+C), then at most 20 s before the process is killed."
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(path, process, seconds=30):
    "Wait (bounded) until path has content or process ended."
    for _ in range(int(seconds * 10)):
        if os.path.exists(path) and os.path.getsize(path):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.1)
    return False


@unittest.skipIf(backend() != 'sqlite',
    "scripts and files: the same on every database backend")
class MailCatcherTest(unittest.TestCase):

    def start(self, preexec_fn=None):
        tmp = tempfile.mkdtemp(prefix='connexion-mail-')
        self.addCleanup(subprocess.run, ['rm', '-rf', tmp])
        directory = os.path.join(tmp, 'mail')
        ready = os.path.join(tmp, 'ports')
        output = open(os.path.join(tmp, 'out'), 'w+')
        self.addCleanup(output.close)
        process = subprocess.Popen([sys.executable, CATCHER,
                '--dir', directory, '--smtp-port', '0', '--web-port', '0',
                '--ready', ready], stdout=output, stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn)
        self.addCleanup(stop, process)
        self.process = process
        self.assertTrue(wait_for(ready, process), "catcher did not start")
        with open(ready) as fp:
            smtp_port, web_port = map(int, fp.read().split())
        return directory, smtp_port, web_port, output

    def test_catcher_stops_on_ctrl_c_in_background(self):
        """Ctrl+C stops the catcher even when a script started it in the
        background, where the shell hands it SIGINT ignored"""
        self.start(preexec_fn=lambda: signal.signal(
                signal.SIGINT, signal.SIG_IGN))
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("the catcher ignored SIGINT")

    def test_catcher_stores_message(self):
        "The catcher keeps what smtplib sends as .eml, readable on its page"
        directory, smtp_port, web_port, output = self.start()
        message = EmailMessage()
        message['From'] = 'Mille Etoiles <ne-pas-repondre@example.org>'
        message['To'] = 'benevole17@mille-etoiles.example'
        message['Subject'] = 'Réinitialisation de votre mot de passe'
        message.set_content(f'Bonjour,\n\nChoisissez un mot de passe : '
            f'{RESET}\n')
        message.add_attachment(b'%PDF-1.4 fake', maintype='application',
            subtype='pdf', filename='recu-2026-0001.pdf')
        with smtplib.SMTP('127.0.0.1', smtp_port, timeout=30) as smtp:
            smtp.send_message(message,
                to_addrs=[message['To'], 'cachee@example.org'])

        files = [n for n in os.listdir(directory) if n.endswith('.eml')]
        self.assertEqual(len(files), 1)
        with open(os.path.join(directory, files[0]), 'rb') as fp:
            stored = email.message_from_binary_file(
                fp, policy=email.policy.default)
        self.assertEqual(stored['Subject'], message['Subject'])
        self.assertEqual(stored.get_all('X-Delivered-To'),
            ['benevole17@mille-etoiles.example', 'cachee@example.org'])
        self.assertIn(RESET, stored.get_body(('plain',)).get_content())

        # The console names it with its link.
        output.seek(0)
        console = output.read()
        self.assertIn('Réinitialisation de votre mot de passe', console)
        self.assertIn(RESET, console)

        base = f'http://127.0.0.1:{web_port}'
        with urllib.request.urlopen(base + '/', timeout=30) as response:
            index = response.read().decode('utf-8')
        self.assertIn('Réinitialisation de votre mot de passe', index)
        with urllib.request.urlopen(f'{base}/m/{files[0]}',
                timeout=30) as response:
            page = response.read().decode('utf-8')
        self.assertIn(f'<a href="{RESET}">', page)
        self.assertIn('recu-2026-0001.pdf', page)
        with urllib.request.urlopen(f'{base}/m/{files[0]}/part/0',
                timeout=30) as response:
            self.assertEqual(response.headers.get_content_type(),
                'application/pdf')
            self.assertEqual(response.read(), b'%PDF-1.4 fake')
        for path in ['/m/../../etc/passwd', '/m/x.eml', '/nothing']:
            with self.subTest(path=path):
                with self.assertRaises(urllib.error.HTTPError) as cm:
                    urllib.request.urlopen(base + path, timeout=30)
                self.assertEqual(cm.exception.code, 404)

    def test_campaign_burst_counted(self):
        "A burst (a campaign) names its first messages, then counts the rest"
        directory, smtp_port, web_port, output = self.start()
        with smtplib.SMTP('127.0.0.1', smtp_port, timeout=30) as smtp:
            for i in range(8):
                message = EmailMessage()
                message['From'] = 'ne-pas-repondre@example.org'
                message['To'] = f'donateur{i}@example.org'
                message['Subject'] = f'Campagne {i}'
                message.set_content('Merci !')
                smtp.send_message(message)
        self.assertEqual(len(os.listdir(directory)), 8)
        for _ in range(300):
            output.seek(0)
            console = output.read()
            if 'autres' in console:
                break
            time.sleep(0.1)
        self.assertIn('… et 3 autres courriels capturés', console)
        self.assertIn('Campagne 4', console)
        self.assertNotIn('Campagne 5', console)


@unittest.skipIf(backend() != 'sqlite',
    "scripts and files: the same on every database backend")
class DemoScriptTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='connexion-demo-')
        tmp = cls.tmp
        venv = os.path.join(tmp, 'venv')
        os.makedirs(os.path.join(venv, 'bin'))
        var = os.path.join(tmp, 'var')
        sao = os.path.join(var, 'sao', 'node_modules', 'tryton-sao')
        os.makedirs(sao)
        open(os.path.join(sao, 'index.html'), 'w').close()
        log = os.path.join(tmp, 'started')

        def program(name, body):
            path = os.path.join(venv, 'bin', name)
            with open(path, 'w') as fp:
                fp.write('#!/bin/sh\n' + textwrap.dedent(body))
            os.chmod(path, 0o755)
        python = shlex.quote(sys.executable)
        # The demo data take minutes: a stand-in; the rest of Python is real.
        program('python', f'''\
            case "$1" in
            */demo_data.py) echo "python demo_data $*" >> {shlex.quote(log)}
                echo "  connexion_asso : 4 équipes"; exit 0 ;;
            */queue_worker.py) shift
                echo "queue_worker $*" >> {shlex.quote(log)}; exit 0 ;;
            esac
            exec {python} "$@"
            ''')
        # trytond-admin logs (-vv) each module it loads.
        program('trytond-admin', f'''\
            echo "trytond-admin $*" >> {shlex.quote(log)}
            for m in ir res connexion_asso; do
                echo "1 2 [2026-01-01 00:00:00,000] INFO trytond.modules $m load"
            done
            ''')
        for name in ['trytond-cron', 'trytond-worker', 'trytond']:
            program(name, f'echo "{name} $*" >> {shlex.quote(log)}\n')
        # gunicorn sends an e-mail the way the server would (trytond's
        # sendmail, the demo's configuration) and stops.
        send = os.path.join(tmp, 'send.py')
        with open(send, 'w') as fp:
            fp.write(textwrap.dedent('''\
                import os
                from email.message import EmailMessage
                from trytond.config import config
                config.update_etc(os.environ['TRYTOND_CONFIG'])
                from trytond.sendmail import send_message
                msg = EmailMessage()
                msg['From'] = config.get('email', 'from')
                msg['To'] = 'benevole17@mille-etoiles.example'
                msg['Subject'] = 'Votre reçu fiscal'
                msg.set_content('Votre reçu est joint.')
                send_message(msg, strict=True)
                '''))
        program('gunicorn', f'''\
            echo "gunicorn $*" >> {shlex.quote(log)}
            echo "TRYTOND_CONFIG=$TRYTOND_CONFIG" >> {shlex.quote(log)}
            echo "TRYTOND_DATABASE_NAMES=$TRYTOND_DATABASE_NAMES" \\
                >> {shlex.quote(log)}
            {python} {shlex.quote(send)}
            ''')
        open(os.path.join(venv, '.connexion-installed'), 'w').close()
        env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'CONNEXION_'))}
        env.update(CONNEXION_VENV=venv, CONNEXION_VAR=var,
            CONNEXION_DEMO_DB='stubdemo', CONNEXION_DEMO_MAIL_PORT='0',
            CONNEXION_WORKERS='2', PORT='8997')
        cls.result = subprocess.run([os.path.join(ROOT, 'scripts', 'demo')],
            env=env, capture_output=True, text=True, timeout=300)
        with open(log) as fp:
            cls.started = [line.split() for line in fp]
        cls.var = var

    @classmethod
    def tearDownClass(cls):
        subprocess.run(['rm', '-rf', cls.tmp])

    def test_demo_ran(self):
        "scripts/demo ends well with its stand-ins"
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_demo_serves_with_gunicorn(self):
        "The demo serves with gunicorn, the cron and the queue worker, not "
        "trytond's dev server"
        programs = [args[0] for args in self.started]
        self.assertNotIn('trytond', programs)
        self.assertEqual(programs.count('trytond-cron'), 1)
        # The queue's worker of SQLite, on the demo's database.
        worker, = [args for args in self.started
            if args[0] == 'queue_worker']
        self.assertEqual(worker[worker.index('-d') + 1], 'stubdemo')
        self.assertEqual(worker[worker.index('-c') + 1],
            os.path.join(self.var, 'demo.conf'))
        config = configparser.ConfigParser(interpolation=None)
        config.read(os.path.join(self.var, 'demo.conf'))
        self.assertTrue(config.getboolean('queue', 'worker'))
        gunicorn, = [args for args in self.started if args[0] == 'gunicorn']
        self.assertEqual(gunicorn[-1], 'trytond.application:app')
        self.assertEqual(gunicorn[gunicorn.index('-c') + 1],
            os.path.join(ROOT, 'scripts', 'lib', 'gunicorn.conf.py'))
        self.assertEqual(gunicorn[gunicorn.index('--bind') + 1],
            '0.0.0.0:8997')
        self.assertIn(['TRYTOND_DATABASE_NAMES=stubdemo'], self.started)
        self.assertIn(
            ['TRYTOND_CONFIG=' + os.path.join(self.var, 'demo.conf')],
            self.started)

    def test_demo_config_mails_to_catcher(self):
        "The demo's [email] uri is the catcher, which keeps what trytond sends"
        config = configparser.ConfigParser(interpolation=None)
        config.read(os.path.join(self.var, 'demo.conf'))
        uri = config.get('email', 'uri')
        self.assertRegex(uri, r'^smtp://127\.0\.0\.1:\d+$')
        self.assertEqual(config.get('connexion', 'public_url'),
            'http://localhost:8997')
        directory = os.path.join(self.var, 'mail')
        files = [n for n in os.listdir(directory) if n.endswith('.eml')]
        self.assertEqual(len(files), 1, self.result.stdout)
        with open(os.path.join(directory, files[0]), 'rb') as fp:
            self.assertIn(b'Subject: Votre', fp.read())
        # Where to read them is printed.
        self.assertIn(directory, self.result.stdout)
        self.assertIn('Votre reçu fiscal', self.result.stdout)

    def test_demo_shows_progress(self):
        "The build shows its steps and counts, not minutes of silence"
        output = self.result.stdout + self.result.stderr
        self.assertIn('connexion_asso', output)
        self.assertRegex(output, r'\[3\] module connexion_asso')

    def test_demo_prints_onboarding_account(self):
        "The printed portal accounts include an onboarding one, labelled"
        self.assertIn('en intégration', self.result.stdout)
        self.assertIn('bénévole en activité', self.result.stdout)


class LoginSectionsTest(unittest.TestCase):

    def test_portal_accounts(self):
        "Printed portal accounts: active volunteers, one onboarding labelled"
        from connexion_volunteer import demo
        from connexion_asso.demo import DEMO_PASSWORD
        sections = dict(demo.login_sections())
        portal = sections["Portail bénévoles (/<base>/portal/)"]
        status = {demo.volunteer_email(i): s
            for i, (_, _, s) in enumerate(demo.volunteer_people())}
        statuses = [status[login] for login, _, _ in portal]
        self.assertEqual(statuses.count('onboarding'), 1, portal)
        self.assertGreaterEqual(statuses.count('active'), 2, portal)
        self.assertEqual(len(statuses),
            statuses.count('active') + statuses.count('onboarding'))
        for login, password, who in portal:
            self.assertEqual(password, DEMO_PASSWORD)
            if status[login] == 'onboarding':
                self.assertIn('en intégration', who)
            else:
                self.assertNotIn('intégration', who)
