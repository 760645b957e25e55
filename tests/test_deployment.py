"""The shipped deployment (docker-compose.yml, Dockerfile, config/docker.conf,
scripts/serve) runs what the demo runs, the way production needs it: every
module of config/modules, gunicorn, cron and queue worker, no default
password, mail and public address required, the reverse proxy trusted.

No Docker here (images cannot be pulled): the files are read, and
scripts/serve really runs with stand-ins for the programs that would serve
forever (trytond-admin, trytond-cron, trytond-worker, gunicorn)."""
import configparser
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import unittest

from tests.support import ROOT, backend

REQUIRED = re.compile(r'^\$\{(\w+):\?[^}]+\}$')


def load_yaml(text):
    """Read the YAML subset that docker-compose.yml uses (block mappings and
    sequences, JSON-style flow sequences, quoted, plain and simple block
    scalars, anchors, aliases and `<<` merges): PyYAML is not a dependency of Connexion.
    test_loader compares it with PyYAML where PyYAML is installed."""
    lines = []
    for raw in text.splitlines():
        line = re.sub(r'(^|\s)#.*$', '', raw).rstrip()
        if line.strip():
            lines.append((len(line) - len(line.lstrip()), line.strip()))
    anchors = {}

    def scalar(value):
        if value.startswith('*'):
            return anchors[value[1:]]
        if value.startswith('[') or value.startswith('"'):
            return json.loads(value)
        if value.startswith("'"):
            return value[1:-1].replace("''", "'")
        if re.fullmatch(r'-?\d+', value):
            return int(value)
        return {'true': True, 'false': False}.get(value, value)

    def block(i, indent):
        "The node whose lines start at i with this indentation; next index."
        if lines[i][1].startswith('- '):
            items = []
            while i < len(lines) and lines[i][0] == indent \
                    and lines[i][1].startswith('- '):
                items.append(scalar(lines[i][1][2:].strip()))
                i += 1
            return items, i
        mapping = {}
        while i < len(lines) and lines[i][0] == indent:
            key, _, value = lines[i][1].partition(':')
            value = value.strip()
            i += 1
            anchor = None
            if value.startswith('&'):
                anchor, _, value = value[1:].partition(' ')
                value = value.strip()
            if value in {'>', '|'}:
                text = []
                while i < len(lines) and lines[i][0] > indent:
                    text.append(lines[i][1])
                    i += 1
                node = (' ' if value == '>' else '\n').join(text) + '\n'
            elif value:
                node = scalar(value)
            elif i < len(lines) and lines[i][0] > indent:
                node, i = block(i, lines[i][0])
            else:
                node = None
            if anchor:
                anchors[anchor] = node
            if key == '<<':
                mapping = {**node, **mapping}
            else:
                mapping[scalar(key)] = node
        return mapping, i

    document, end = block(0, 0)
    assert end == len(lines), f"unread line: {lines[end][1]}"
    return document


def read(*path):
    with open(os.path.join(ROOT, *path), encoding='utf-8') as fp:
        return fp.read()


def module_list():
    "config/modules: the Connexion modules every deployment activates."
    return [line.split('#', 1)[0].strip()
        for line in read('config', 'modules').splitlines()
        if line.split('#', 1)[0].strip()]


def dockerfile():
    "Dockerfile: {'CMD': [...], 'COPY': {destination: source}}."
    text = read('Dockerfile').replace('\\\n', ' ')
    cmd, = re.findall(r'^CMD\s+(\[.*\])\s*$', text, re.M)
    workdir, = re.findall(r'^WORKDIR\s+(\S+)\s*$', text, re.M)
    copies = {}
    for args in re.findall(r'^COPY\s+(.*)$', text, re.M):
        *sources, destination = shlex.split(args)
        destination = os.path.normpath(os.path.join(workdir, destination))
        for source in sources:
            if destination.endswith('/') or len(sources) > 1:
                copies[os.path.join(destination, source)] = source
            else:
                copies[destination] = source
    return {'CMD': json.loads(cmd), 'COPY': copies}


def absolute_imports(path, required=False):
    """The dotted names a Python file imports (relative imports left out);
    with required, not those tried under `except ImportError` (optional)."""
    import ast
    with open(path) as fp:
        tree = ast.parse(fp.read())
    optional = set()
    if required:
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name)
                    and h.type.id in {'ImportError', 'ModuleNotFoundError'}
                    for h in node.handlers):
                optional.update(
                    id(n) for b in node.body for n in ast.walk(b))
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield node.module


def distribution_names(requirements):
    "The normalised distribution names of requirement strings."
    return {re.split(r'[<>=~!;\[ (]', r)[0].lower().replace('_', '-')
        for r in requirements}


def third_party(paths, local):
    """The distributions the Python files import for certain, imports of
    the standard library, trytond and python-sql, and local left out."""
    import importlib.metadata
    distributions = importlib.metadata.packages_distributions()
    tops = {n.split('.')[0] for path in paths
        for n in absolute_imports(path, required=True)}
    found = {}
    for top in sorted(tops - set(sys.stdlib_module_names) - set(local)
            - {'trytond', 'sql'}):
        found[top] = distribution_names(distributions.get(top, []))
    return found


def provided_with(declared):
    """The declared distributions and what Tryton's declared ones require
    (Genshi, Werkzeug, lxml, polib…): they come with them."""
    import importlib.metadata
    provided, todo = set(declared), [
        d for d in declared if d.startswith('trytond')]
    while todo:
        for requirement in importlib.metadata.requires(todo.pop()) or []:
            if 'extra ==' in requirement:
                continue
            name, = distribution_names([requirement])
            if name not in provided:
                provided.add(name)
                if name.startswith('trytond'):
                    todo.append(name)
    return provided


def html_to_pdf_reports():
    "The reports whose HTML template Tryton turns into PDF (WeasyPrint)."
    from lxml import etree
    found = []
    for path in glob.glob(os.path.join(ROOT, 'addons', '*', '*.xml')):
        for record in etree.parse(path).iterfind(
                './/record[@model="ir.action.report"]'):
            fields = {f.get('name'): (f.text or '').strip()
                for f in record.iterfind('field')}
            if (fields.get('template_extension') == 'html'
                    and fields.get('extension') == 'pdf'):
                found.append(record.get('id'))
    return found


@unittest.skipIf(backend() != 'sqlite',
    "files and scripts: the same on every database backend")
class DeploymentTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.compose = load_yaml(read('docker-compose.yml'))
        cls.services = cls.compose['services']
        cls.docker_conf = configparser.ConfigParser(interpolation=None)
        cls.docker_conf.read_string(read('config', 'docker.conf'))

    def command(self, service):
        "The command a service runs (the image's CMD when it has none)."
        command = self.services[service].get('command')
        if command is None:
            return dockerfile()['CMD']
        if isinstance(command, str):
            return shlex.split(command)
        return command

    def trytond_services(self):
        return [name for name, service in self.services.items()
            if service.get('image', '').startswith('connexion')]

    def test_loader(self):
        "The YAML reader of these tests reads docker-compose.yml as PyYAML"
        try:
            import yaml
        except ImportError:
            yaml = None
        text = read('docker-compose.yml')
        compose = load_yaml(text)
        if yaml is not None:
            self.assertEqual(compose, yaml.safe_load(text))
        self.assertEqual(
            {'postgres', 'init', 'trytond', 'cron', 'worker'},
            set(compose['services']))

    def test_one_module_list(self):
        "config/modules lists every Connexion module; the scripts read it"
        modules = module_list()
        entry_points = tomllib.loads(read('pyproject.toml'))['project'][
            'entry-points']['trytond.modules']
        self.assertEqual(sorted(modules), sorted(entry_points))
        self.assertEqual(len(modules), len(set(modules)))
        shell = subprocess.run(['bash', '-c',
                'source scripts/lib/common.sh && echo "$MODULES"'],
            cwd=ROOT, check=True, capture_output=True, text=True)
        self.assertEqual(shell.stdout.split(), modules)
        for script in ['demo', 'serve']:
            self.assertIn('-u $MODULES', read('scripts', script), script)

    def test_declared_dependencies(self):
        """pyproject.toml declares what the modules import and the Tryton
        modules their tryton.cfg depend on, and nothing they do not use"""
        project = tomllib.loads(read('pyproject.toml'))['project']
        declared = distribution_names(project['dependencies'])
        ours = set(module_list())
        paths, tryton_modules = [], set()
        addons = os.path.join(ROOT, 'addons')
        for module in ours:
            config = configparser.ConfigParser()
            config.read(os.path.join(addons, module, 'tryton.cfg'))
            for name in config.get('tryton', 'depends').split():
                if name not in ours | {'ir', 'res'}:
                    tryton_modules.add(f'trytond-{name}'.replace('_', '-'))
            for folder, _, files in os.walk(os.path.join(addons, module)):
                if os.path.basename(folder) == 'tests':
                    continue
                paths += [os.path.join(folder, n)
                    for n in files if n.endswith('.py')]
        imported = third_party(paths, ours)
        for top, dists in imported.items():
            self.assertTrue(dists, f"{top} is imported but not installed")
        used = set().union(*imported.values())
        # Tryton's report engine turns HTML reports into PDF with WeasyPrint
        # (HTML rendered as HTML, as the portal's pages, does not need it).
        if html_to_pdf_reports():
            used.add('weasyprint')
        self.assertFalse(used - provided_with(declared),
            "imported by the modules, not declared in pyproject.toml")
        self.assertFalse(tryton_modules - declared,
            "Tryton modules in tryton.cfg, not declared in pyproject.toml")
        declared_modules = {d for d in declared if d.startswith('trytond-')}
        self.assertFalse(declared_modules - tryton_modules,
            "Tryton modules declared but no module depends on them")
        # Declared, installed for one reason only: never imported.
        unused = {d for d in declared - used - tryton_modules
            if not d.startswith(('trytond', 'proteus', 'psycopg'))}
        self.assertEqual(unused, {'gunicorn'},
            "declared in pyproject.toml, never imported by the modules")

    def test_declared_test_dependencies(self):
        """pyproject.toml's test extra declares what the tests, scripts and
        benchmarks import beyond the modules' dependencies, and only that
        (an import tried under `except ImportError` is optional)"""
        project = tomllib.loads(read('pyproject.toml'))['project']
        declared = distribution_names(project['dependencies'])
        test = distribution_names(project['optional-dependencies']['test'])
        paths = [p for pattern in ['addons/*/tests/*.py', 'tests/*.py',
                'scripts/**/*.py', 'bench/**/*.py']
            for p in glob.glob(os.path.join(ROOT, pattern), recursive=True)]
        # The local names: our modules, the tests package, the scripts'
        # and tests' modules imported by their own folder on sys.path.
        local = set(module_list()) | {'tests'} | {
            os.path.splitext(os.path.basename(p))[0] for p in paths}
        imported = third_party(paths, local)
        for top, dists in imported.items():
            self.assertTrue(dists, f"{top} is imported but not installed")
        used = set().union(*imported.values())
        self.assertFalse(used - provided_with(declared | test),
            "imported by the tests, not declared in pyproject.toml")
        self.assertFalse(test - used,
            "declared in the test extra, never imported by the tests")

    def test_module_tests_stand_alone(self):
        """The modules' tests import nothing from the repository's tests
        package: what they share lives in connexion_asso/tests"""
        found = []
        for path in sorted(glob.glob(os.path.join(
                    ROOT, 'addons', '*', 'tests', '*.py'))):
            found += [f"{os.path.relpath(path, ROOT)}: {n}"
                for n in absolute_imports(path) if n.split('.')[0] == 'tests']
        self.assertEqual(found, [])

    def test_compose_activates_module_list(self):
        "docker compose's init activates exactly config/modules"
        command = self.command('init')
        self.assertEqual(command[:2], ['sh', '-c'])
        script = command[2]
        self.assertRegex(script, r'\btrytond-admin\b')
        self.assertIn('--activate-dependencies', script)
        # The modules come from the image's copy of config/modules.
        substitution, = re.findall(r'-u \$\$(\([^)]*\))', script)
        copies = dockerfile()['COPY']
        path, = [p for p in copies if p in substitution]
        self.assertEqual(copies[path], 'config/modules')
        shell = subprocess.run(['sh', '-c',
                'echo $' + substitution.replace(
                    path, os.path.join(ROOT, 'config', 'modules'))],
            check=True, capture_output=True, text=True)
        self.assertEqual(shell.stdout.split(), module_list())

    def test_compose_serves_with_gunicorn(self):
        "The web service runs gunicorn with scripts/serve's settings"
        web, = [name for name, service in self.services.items()
            if service.get('ports')]
        command = self.command(web)
        self.assertEqual(command[0], 'gunicorn')
        self.assertEqual(command[-1], 'trytond.application:app')
        config = command[command.index('-c') + 1]
        self.assertEqual(
            dockerfile()['COPY'].get(config), 'scripts/lib/gunicorn.conf.py')
        # scripts/serve and scripts/demo serve through common.sh's
        # serve_production.
        self.assertIn('-c "$ROOT/scripts/lib/gunicorn.conf.py"',
            read('scripts', 'lib', 'common.sh'))
        for script in ['serve', 'demo']:
            self.assertIn('serve_production "$CONF" "$DB"',
                read('scripts', script), script)
        environment = self.services[web]['environment']
        self.assertTrue(environment.get('TRYTOND_DATABASE_NAMES'))
        # Reached by the reverse proxy only: the port trusts its headers.
        for port in self.services[web]['ports']:
            self.assertTrue(str(port).startswith('127.0.0.1:'), port)
        for name in self.services:
            self.assertNotEqual(self.command(name)[0], 'trytond', name)

    def test_compose_runs_cron_and_worker(self):
        "Cron and queue worker run as services; the queue is on"
        programs = {self.command(name)[0]: name
            for name in self.trytond_services()}
        self.assertIn('trytond-cron', programs)
        self.assertIn('trytond-worker', programs)
        self.assertTrue(self.docker_conf.getboolean('queue', 'worker'))
        for name in [programs['trytond-cron'], programs['trytond-worker']]:
            self.assertEqual(
                self.services[name].get('restart'), 'unless-stopped', name)

    def test_no_default_password(self):
        "Compose refuses to start without a database password"
        text = read('docker-compose.yml')
        self.assertNotRegex(text, r'POSTGRES_PASSWORD:-')
        self.assertRegex(
            self.services['postgres']['environment']['POSTGRES_PASSWORD'],
            r'^\$\{POSTGRES_PASSWORD:\?')
        for name in self.trytond_services():
            environment = self.services[name]['environment']
            self.assertRegex(environment['PGPASSWORD'],
                r'^\$\{POSTGRES_PASSWORD:\?', name)
            # The password is not in the URI (no quoting issue, no leak).
            self.assertNotIn(':${', environment['TRYTOND_DATABASE__URI'])

    def test_mail_and_public_url_required(self):
        "SMTP server, sender and public URL: required, no made-up host"
        for name in self.trytond_services():
            environment = self.services[name]['environment']
            for option in ['TRYTOND_EMAIL__URI', 'TRYTOND_EMAIL__FROM',
                    'TRYTOND_CONNEXION__PUBLIC_URL']:
                self.assertRegex(environment[option], REQUIRED, option)
            # trytond reads its file after the environment: an option set
            # in docker.conf would silently win over compose's.
            for variable in environment:
                if variable.startswith('TRYTOND_') and '__' in variable:
                    section, option = variable[8:].lower().split('__', 1)
                    self.assertFalse(
                        self.docker_conf.has_option(section, option),
                        f'[{section}] {option} in docker.conf')
        self.assertNotRegex(read('config', 'docker.conf'), r'smtp://mail\b')
        self.assertRegex(read('config', 'docker.conf'),
            r'(?m)^\[connexion\]\n(#.*\n)*# *public_url = https://')

    def test_proxy(self):
        "Behind the HTTPS proxy: client address and scheme from its headers"
        self.assertEqual(self.docker_conf.getint('web', 'num_proxies'), 1)
        readme = read('README.md')
        for word in ['num_proxies', 'X-Forwarded-For', 'X-Forwarded-Proto',
                'Secure', '[connexion] public_url', 'CONNEXION_PUBLIC_URL',
                'CONNEXION_SMTP_URI', 'CONNEXION_EMAIL_FROM',
                'POSTGRES_PASSWORD', 'config/modules', 'trytond-worker']:
            self.assertTrue(word in readme, f'{word} not in README.md')

    def serve(self, queue_worker, uri='sqlite://'):
        """Run scripts/serve on a configuration of the database uri (SQLite,
        or PostgreSQL without a server: scripts/lib/dbtool.py stands in);
        return the programs it started, one argument list each."""
        tmp = tempfile.mkdtemp(prefix='connexion-serve-')
        self.addCleanup(subprocess.run, ['rm', '-rf', tmp])
        venv = os.path.join(tmp, 'venv')
        os.makedirs(os.path.join(venv, 'bin'))
        log = os.path.join(tmp, 'started')
        expected = os.path.join(tmp, 'expected')
        with open(expected, 'w') as fp:
            fp.write('2' if queue_worker else '1')

        def program(name, body):
            path = os.path.join(venv, 'bin', name)
            with open(path, 'w') as fp:
                fp.write('#!/bin/sh\n' + textwrap.dedent(body))
            os.chmod(path, 0o755)
        # The queue worker of SQLite is a script of scripts/lib.
        dbtool = ('*/dbtool.py) [ "$6" = status ] && echo ready; exit 0 ;;'
            if uri.startswith('postgresql') else '')
        program('python', f'''\
            case "$1" in
            */queue_worker.py) shift
                echo "queue_worker $*" >> {shlex.quote(log)}; exit 0 ;;
            {dbtool}
            esac
            exec {shlex.quote(sys.executable)} "$@"
            ''')
        for name in ['trytond-admin', 'trytond-cron', 'trytond-worker',
                'trytond']:
            program(name, f'echo "{name} $*" >> {shlex.quote(log)}\n')
        # gunicorn serves in the foreground: it waits until the programs
        # started in the background have written their line (bounded, only
        # for a missing program), so that the list is complete.
        program('gunicorn', f'''\
            i=0
            while [ "$(grep -c -v -e '^trytond-admin' -e '^gunicorn' \\
                    {shlex.quote(log)})" -lt "$(cat {shlex.quote(expected)})" ] \\
                    && [ $i -lt 600 ]; do
                sleep 0.1; i=$((i + 1))
            done
            echo "gunicorn $*" >> {shlex.quote(log)}
            ''')
        open(os.path.join(venv, '.connexion-installed'), 'w').close()
        conf = os.path.join(tmp, 'trytond.conf')
        with open(conf, 'w') as fp:
            fp.write(textwrap.dedent(f'''\
                [database]
                uri = {uri}
                path = {tmp}

                [web]
                listen = 127.0.0.1:8999

                [queue]
                worker = {queue_worker}
                '''))
        passfile = os.path.join(tmp, 'password')
        with open(passfile, 'w') as fp:
            fp.write('admin\n')
        env = {k: v for k, v in os.environ.items()
            if not k.startswith(('TRYTOND_', 'CONNEXION_'))}
        env.update(CONNEXION_VENV=venv, CONNEXION_WORKERS='2',
            TRYTONPASSFILE=passfile)
        result = subprocess.run([os.path.join(ROOT, 'scripts', 'serve'),
                '-c', conf, '-d', 'connexion'],
            env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(log) as fp:
            return [line.split() for line in fp]

    def test_serve_starts_worker(self):
        "scripts/serve starts the queue worker when [queue] worker = True "
        "(on SQLite scripts/lib/queue_worker.py, trytond-worker needing "
        "PostgreSQL)"
        for queue_worker in [True, False]:
            with self.subTest(queue_worker=queue_worker):
                started = self.serve(queue_worker)
                programs = [args[0] for args in started]
                self.assertEqual(programs.count('trytond-cron'), 1)
                self.assertEqual(programs.count('gunicorn'), 1)
                self.assertEqual(
                    programs.count('queue_worker'), int(queue_worker))
                self.assertNotIn('trytond-worker', programs)
                for args in started:
                    if args[0] in {'trytond-cron', 'queue_worker'}:
                        self.assertIn('-d', args)
                        self.assertEqual(args[args.index('-d') + 1],
                            'connexion')
                update, = [args for args in started
                    if args[0] == 'trytond-admin' and '-u' in args]
                self.assertEqual(
                    update[update.index('-u') + 1:][:len(module_list())],
                    module_list())
        # Production (PostgreSQL): trytond-worker itself.
        started = self.serve(True, uri='postgresql://connexion@db:5432/')
        programs = [args[0] for args in started]
        self.assertEqual(programs.count('trytond-worker'), 1)
        self.assertNotIn('queue_worker', programs)
        worker, = [args for args in started if args[0] == 'trytond-worker']
        self.assertEqual(worker[worker.index('-d') + 1], 'connexion')

    def test_search_extensions(self):
        """The Docker init service and scripts/serve install
        config/postgresql.sql (pg_trgm, unaccent, the immutable wrapper)
        before trytond-admin creates the indexes; trytond calls the wrapper
        ([database] unaccent_function)"""
        psql, admin = self.command('init')[2].split('&&')
        self.assertRegex(psql, r'^psql .*-v ON_ERROR_STOP=1')
        path, = re.findall(r'-f (\S+)', psql)
        self.assertEqual(dockerfile()['COPY'][path], 'config/postgresql.sql')
        self.assertIn('trytond-admin', admin)
        sql = read('config', 'postgresql.sql')
        for extension in ['pg_trgm', 'unaccent']:
            self.assertRegex(
                sql, rf'CREATE EXTENSION IF NOT EXISTS {extension}\b')
        function = self.docker_conf.get('database', 'unaccent_function')
        self.assertRegex(sql, r'CREATE OR REPLACE FUNCTION public\.'
            + function + r'\(text\)[^;]*\bIMMUTABLE\b')
        example = configparser.ConfigParser(interpolation=None)
        example.read_string(read('config', 'trytond.conf.example'))
        self.assertEqual(
            example.get('database', 'unaccent_function'), function)
        serve = read('scripts', 'serve')
        self.assertLess(
            serve.index('" extensions'), serve.index('-u $MODULES'))
        self.assertIn(f'UNACCENT_FUNCTION:-{function}', serve)


@unittest.skipIf(backend() != 'postgresql', "PostgreSQL extensions")
class PostgreSQLSetupTest(unittest.TestCase):

    def test_dbtool_create_installs_extensions(self):
        "A database created by the scripts has the search extensions"
        import psycopg
        uri = os.environ['TRYTOND_DATABASE__URI']
        name = os.environ['DB_NAME'] + '_dbtool'  # dropped by tests/run.py
        conf = tempfile.NamedTemporaryFile('w', suffix='.conf', delete=False)
        self.addCleanup(os.remove, conf.name)
        conf.write(f'[database]\nuri = {uri}\n')
        conf.close()

        def dbtool(action):
            subprocess.run([sys.executable, os.path.join(
                        ROOT, 'scripts', 'lib', 'dbtool.py'), '-c',
                    conf.name, '-d', name, action], check=True)
        dbtool('create')
        self.addCleanup(dbtool, 'drop')
        dbtool('extensions')  # again: idempotent
        with psycopg.connect(uri.rstrip('/') + '/' + name) as conn:
            extensions = {e for e, in conn.execute(
                    "SELECT extname FROM pg_extension")}
            volatility, = conn.execute("SELECT provolatile FROM pg_proc "
                "WHERE proname = 'immutable_unaccent'").fetchone()
            unaccented, = conn.execute(
                "SELECT immutable_unaccent('Françoise Lefèvre')").fetchone()
        self.assertLessEqual({'pg_trgm', 'unaccent'}, extensions)
        self.assertEqual(volatility, 'i')
        self.assertEqual(unaccented, 'Francoise Lefevre')
