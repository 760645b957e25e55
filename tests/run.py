"""Run Connexion's tests on each backend, in its own process, and total.

Tryton scenarios (tests/scenario_*.rst) are loaded by the unittest
``load_tests`` protocol, which pytest ignores: this runner uses unittest so
that every scenario really runs.
"""
import argparse
import functools
import glob
import json
import shutil
import os
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS = os.path.join(ROOT, 'addons')


def test_modules():
    "Dotted names of every test module: addons first, then tests/."
    names = []
    for path in sorted(glob.glob(os.path.join(ADDONS, '*', 'tests', 'test_*.py'))):
        module = os.path.basename(os.path.dirname(os.path.dirname(path)))
        names.append(f'{module}.tests.{os.path.basename(path)[:-3]}')
    for path in sorted(glob.glob(os.path.join(ROOT, 'tests', 'test_*.py'))):
        names.append(f'tests.{os.path.basename(path)[:-3]}')
    return names


def backend_env(backend, cache_dir):
    env = dict(os.environ)
    env['CONNEXION_BACKEND'] = backend
    # This checkout's modules, whatever checkout the venv's editable
    # install points to (a venv shared by several worktrees).
    env['PYTHONPATH'] = os.pathsep.join(
        filter(None, [ROOT, ADDONS, env.get('PYTHONPATH')]))
    env['DB_CACHE'] = os.path.join(cache_dir, backend)
    os.makedirs(env['DB_CACHE'], exist_ok=True)
    env['CONNEXION_SERVER_CACHE'] = os.path.join(cache_dir, 'server-' + backend)
    if backend == 'postgresql':
        env['TRYTOND_DATABASE__URI'] = os.environ['CONNEXION_PG_URI']
        # As deployed (config/trytond.conf.example, config/docker.conf).
        env['TRYTOND_DATABASE__UNACCENT_FUNCTION'] = 'immutable_unaccent'
        # The test databases' commits do not wait for the disk (libpq reads
        # PGOPTIONS for every connection of the run, its servers included):
        # a test never survives a crash of PostgreSQL itself, and the
        # outbox's crash tests kill the sender, which loses nothing then.
        env['PGOPTIONS'] = ' '.join(filter(None, [
                    os.environ.get('PGOPTIONS'),
                    '-c synchronous_commit=off']))
        env['DB_NAME'] = 'test_connexion_' + uuid.uuid4().hex[:8]
        # Built databases are kept as PostgreSQL templates (a CREATE DATABASE
        # ... TEMPLATE takes a second, a pg_restore of a dump much longer).
        env['DB_CACHE'] = os.environ['CONNEXION_PG_URI'].rstrip('/')
    else:
        env.pop('TRYTOND_DATABASE__URI', None)
        env['DB_NAME'] = ':memory:'
    return env


class TimedResult(unittest.TextTestResult):
    "Remembers how long each test took, to show where the suite's time goes."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = []

    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.durations.append((time.monotonic() - self._started, test.id()))
        super().stopTest(test)


# What this runner changes in trytond's test tools (and the PostgreSQL
# backend): private names of trytond 8.0, checked before they are replaced so
# that another version fails loudly here rather than quietly elsewhere.
TRYTOND_SERIES = '8.0'
PATCHED = {
    'trytond.tests.test_tryton': [
        ('_db_cache_file', ['path', 'name']),
        ('activate_module', ['modules', 'lang']),
        ('restore_db_cache', ['name']),
        ('db_exist', ['name']),
        ('drop_db', ['name']),
        ('DB_NAME', None),
        ],
    'trytond.tests.tools': [
        ('activate_modules', ['modules', '*setup']),
        ('_func_name', ['func']),
        ('_get_config', []),
        ],
    'trytond.backend.postgresql.database': [
        ('Database.init', ['self']),
        ],
    }


def check_trytond_internals():
    """The names this runner patches, as trytond 8.0 defines them: a list
    of what differs (empty when all is as expected)."""
    import importlib
    import inspect

    import trytond
    problems = []
    if not trytond.__version__.startswith(TRYTOND_SERIES + '.'):
        problems.append(f"trytond {trytond.__version__}, not "
            f"{TRYTOND_SERIES}.x")
    for module_name, names in PATCHED.items():
        module = importlib.import_module(module_name)
        for dotted, parameters in names:
            target = module
            for part in dotted.split('.'):
                target = getattr(target, part, None)
            if target is None:
                problems.append(f"{module_name}.{dotted} is gone")
                continue
            if parameters is None:
                continue
            signature = [
                ('*' if p.kind == p.VAR_POSITIONAL else '') + p.name
                for p in inspect.signature(target).parameters.values()
                if p.kind != p.VAR_KEYWORD]
            if signature != parameters:
                problems.append(f"{module_name}.{dotted}{tuple(signature)} "
                    f"instead of {tuple(parameters)}")
    return problems


def use_run_templates():
    """Name the template databases of Tryton's test cache after this run's
    database, so that the run uses only what it built itself and drops all of
    it at the end (and two runs at once do not share them)."""
    from trytond.tests import test_tryton
    db_cache_file = test_tryton._db_cache_file

    @functools.wraps(db_cache_file)
    def _db_cache_file(path, name):
        digest = db_cache_file(path, name).rsplit('test-', 1)[1]
        return f"{path}/{os.environ['DB_NAME']}_{digest[:20]}"
    test_tryton._db_cache_file = _db_cache_file


def setup_postgresql_databases():
    """Each test database gets config/postgresql.sql (search extensions and
    functions) when trytond initialises it, as scripts/serve and the Docker
    init service do before trytond-admin."""
    sys.path.insert(0, os.path.join(ROOT, 'scripts', 'lib'))
    import dbtool
    from trytond.backend.postgresql.database import Database
    init = Database.init

    @functools.wraps(init)
    def init_with_extensions(self):
        connection = self.get_connection()
        try:
            dbtool.setup_postgresql(connection)
            connection.commit()
        finally:
            self.put_connection(connection)
        return init(self)
    Database.init = init_with_extensions


BUILDS = []
BASES = []


def without_static_checks(suite):
    """The suite without the generic checks that Tryton's ModuleTestCase (and
    its mixins) inherits: they read the module's definitions (views, field
    depends, access lines), not the database, so they run once, on SQLite.
    Every test written for Connexion and every scenario still runs on each
    backend."""
    kept, static = unittest.TestSuite(), 0

    def walk(tests):
        nonlocal static
        for test in tests:
            if isinstance(test, unittest.TestSuite):
                walk(test)
                continue
            name = getattr(test, '_testMethodName', '')
            owner = next((k for k in type(test).__mro__ if name in vars(k)),
                None)
            if owner is not None and owner.__module__.startswith('trytond.'):
                static += 1
            else:
                kept.addTest(test)
    walk(suite)
    return kept, static


def time_database_builds():
    "Remember the time each test database took to build or restore."
    from trytond.tests import test_tryton, tools

    def timed(function, label):
        @functools.wraps(function)
        def wrapper(modules, *args, **kwargs):
            start = time.monotonic()
            try:
                return function(modules, *args, **kwargs)
            finally:
                name = modules if isinstance(modules, str) else ','.join(
                    modules)
                if BASES:
                    name += f' (on {BASES.pop()})'
                BUILDS.append((time.monotonic() - start, f'{label} {name}'))
        return wrapper
    test_tryton.activate_module = timed(
        test_tryton.activate_module, 'activate_module')
    tools.activate_modules = timed(tools.activate_modules, 'activate_modules')


def build_on_cached_databases():
    """Build each test database on top of the largest one already built in
    this run whose modules it includes, activating only the rest (as an
    administrator adds modules to a live database), instead of from an empty
    database each time: ir, res, country, party, company... are set up once."""
    from trytond.modules import get_module_info
    from trytond.tests import test_tryton, tools

    closures, built = {}, []

    def closure(module):
        if module not in closures:
            depends = get_module_info(module).get('depends', [])
            closures[module] = frozenset({module, 'ir', 'res'}).union(
                *(closure(m) for m in depends if m != module))
        return closures[module]

    def modules_of(modules):
        return [modules] if isinstance(modules, str) else list(modules)

    def restore_base(modules, lang, setup=''):
        target = frozenset().union(*(closure(m) for m in modules))
        bases = [(len(c), n) for c, l, n, s in built
            if l == lang and s == setup and c <= target]
        if not bases:
            return False
        restored = test_tryton.restore_db_cache(max(bases)[1])
        if restored:
            BASES.append(max(bases)[1])
        return restored

    def remember(name, modules, lang, setup=''):
        modules_closure = frozenset().union(*(closure(m) for m in modules))
        if name not in {n for _, _, n, _ in built}:
            built.append((modules_closure, lang, name, setup))

    activate_module = test_tryton.activate_module

    @functools.wraps(activate_module)
    def activate_module_on_base(modules, lang='en'):
        modules = modules_of(modules)
        name = '-'.join(modules) + ('--' + lang if lang != 'en' else '')
        if (not test_tryton.db_exist(test_tryton.DB_NAME)
                and name not in {n for _, _, n, _ in built}):
            restore_base(modules, lang)
        result = activate_module(modules, lang)
        remember(name, modules, lang)
        return result
    test_tryton.activate_module = activate_module_on_base

    activate_modules = tools.activate_modules

    def activate_on_setup_base(modules, setup, name, setup_name):
        """A scenario's database built on the largest one of this run with
        the same setup (company, chart...) and fewer modules, else on one of
        its modules without setup (a module test's): the rest activated on
        it, as an administrator adds modules to a live database, then the
        setup run if the base had none. None when there is no base."""
        from proteus import Model, Wizard
        with_setup = bool(setup_name) and restore_base(
            modules, 'en', setup=setup_name)
        if not with_setup and not restore_base(modules, 'en'):
            return None
        config = tools._get_config()
        Module = Model.get('ir.module')
        missing = Module.find([
                ('name', 'in', modules),
                ('state', '!=', 'activated'),
                ])
        if missing:
            Module.click(missing, 'activate')
            Wizard('ir.module.activate_upgrade').execute('upgrade')
        if not with_setup:
            for function in setup:
                function(config=config)
        test_tryton.backup_db_cache(name)
        return config

    @functools.wraps(activate_modules)
    def activate_modules_on_base(modules, *setup):
        modules = modules_of(modules)
        name = '-'.join(sorted(modules))
        setup_name = '|'.join(tools._func_name(f) for f in setup)
        if setup_name:
            name += f'--{setup_name}'
        result = None
        if name not in {n for _, _, n, _ in built}:
            result = activate_on_setup_base(modules, setup, name, setup_name)
        if result is None:
            result = activate_modules(modules, *setup)
        remember(name, modules, 'en', setup_name)
        return result
    tools.activate_modules = activate_modules_on_base


def run_backend(args):
    "Child process: run the selected tests on the backend of the env."
    problems = check_trytond_internals()
    if problems:
        print("tests/run.py relies on trytond internals that changed:\n  "
            + "\n  ".join(problems), flush=True)
        with open(args.report, 'w') as fp:
            json.dump({'passed': 0, 'failed': 1, 'skipped': 0}, fp)
        return 2
    if os.environ['CONNEXION_BACKEND'] == 'postgresql':
        use_run_templates()
        setup_postgresql_databases()
    build_on_cached_databases()
    time_database_builds()
    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = [f'*{k}*' for k in args.k]
    suite = unittest.TestSuite()
    for name in args.only or test_modules():
        suite.addTests(loader.loadTestsFromName(name))
    if not suite.countTestCases():
        # A selection that runs nothing must not pass for a green suite.
        print("Aucun test ne correspond à la sélection "
            f"({' '.join('-k ' + k for k in args.k or [])}"
            f"{' --only ' + ' '.join(args.only) if args.only else ''}).",
            flush=True)
        with open(args.report, 'w') as fp:
            json.dump({'passed': 0, 'failed': 1, 'skipped': 0}, fp)
        return 1
    if os.environ['CONNEXION_BACKEND'] != 'sqlite':
        suite, static = without_static_checks(suite)
        print(f"{static} static checks of Tryton's ModuleTestCase "
            "(views, depends, fields, access...) run on SQLite only",
            flush=True)
    runner = unittest.TextTestRunner(
        verbosity=2 if args.verbose else 1, resultclass=TimedResult)
    result = runner.run(suite)
    print('Slowest tests:')
    for duration, name in sorted(result.durations, reverse=True)[:12]:
        print(f'  {duration:7.1f} s  {name}')
    print(f'Test databases: {len(BUILDS)} activations, '
        f'{sum(d for d, _ in BUILDS):.0f} s; slowest:')
    for duration, name in sorted(BUILDS, reverse=True)[:8]:
        print(f'  {duration:7.1f} s  {name}')
    failed = len(result.failures) + len(result.errors) + len(
        result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    with open(args.report, 'w') as fp:
        json.dump({'passed': passed, 'failed': failed, 'skipped': skipped}, fp)
    return 0 if failed == 0 else 1


def drop_pg_database(env):
    import psycopg
    uri = env['TRYTOND_DATABASE__URI'].rstrip('/') + '/postgres'
    with psycopg.connect(uri, autocommit=True) as conn:
        for (name,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (env['DB_NAME'] + '%',)).fetchall():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--backends', nargs='+', default=['sqlite'])
    parser.add_argument('-k', action='append',
        help="only tests whose name matches (unittest -k)")
    parser.add_argument('--only', nargs='*',
        help="dotted test modules, e.g. connexion_asso.tests.test_module")
    parser.add_argument('-v', '--verbose', action='store_true')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--report', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.exit(run_backend(args))

    # Built databases are cached for this run only: a cache kept across runs
    # would hide schema changes.
    cache_dir = tempfile.mkdtemp(prefix='connexion-test-cache-')
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    code = 0
    # The backends run side by side (one process each, the machine has two
    # cores); each one's output is printed when it ends.
    runs = []
    for backend in args.backends:
        env = backend_env(backend, cache_dir)
        report = tempfile.NamedTemporaryFile(suffix='.json', delete=False)
        output = tempfile.TemporaryFile(mode='w+')
        cmd = [sys.executable, __file__, '--child', '--report', report.name]
        for k in args.k or []:
            cmd += ['-k', k]
        if args.only:
            cmd += ['--only', *args.only]
        if args.verbose:
            cmd.append('-v')
        process = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        runs.append((backend, env, report.name, output, process,
                time.monotonic()))
    # Each backend's time is its own, not the wait for the one before it.
    ended = {}
    while len(ended) < len(runs):
        for run in runs:
            if run[4].pid not in ended and run[4].poll() is not None:
                ended[run[4].pid] = time.monotonic()
        time.sleep(0.2)
    for backend, env, report, output, process, start in runs:
        try:
            rc = process.wait()
        finally:
            if backend == 'postgresql':
                drop_pg_database(env)
        elapsed = ended[process.pid] - start
        where = (env['TRYTOND_DATABASE__URI'] if backend == 'postgresql'
            else 'SQLite')
        print(f'\n=== Tests sur {backend} ({where}) ===', flush=True)
        output.seek(0)
        shutil.copyfileobj(output, sys.stdout)
        output.close()
        try:
            with open(report) as fp:
                counts = json.load(fp)
        except (OSError, ValueError):
            counts = {'passed': 0, 'failed': 1, 'skipped': 0}
        finally:
            if os.path.exists(report):
                os.remove(report)
        print(f'--- {backend}: {counts["passed"]} passed, '
            f'{counts["failed"]} failed, {counts["skipped"]} skipped '
            f'({elapsed:.0f} s)', flush=True)
        for key in totals:
            totals[key] += counts[key]
        if rc != 0 and counts['failed'] == 0:
            totals['failed'] += 1
        code = code or rc
    shutil.rmtree(cache_dir, ignore_errors=True)
    print(f'{totals["passed"]} passed, {totals["failed"]} failed, '
        f'{totals["skipped"]} skipped')
    sys.exit(1 if code or totals['failed'] else 0)


if __name__ == '__main__':
    main()
