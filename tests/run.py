"""Run Connexion's tests on each backend, in its own process, and total.

Tryton scenarios (tests/scenario_*.rst) are loaded by the unittest
``load_tests`` protocol, which pytest ignores: this runner uses unittest so
that every scenario really runs.
"""
import argparse
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
    env['PYTHONPATH'] = os.pathsep.join(
        filter(None, [ROOT, env.get('PYTHONPATH')]))
    env['DB_CACHE'] = os.path.join(cache_dir, backend)
    os.makedirs(env['DB_CACHE'], exist_ok=True)
    if backend == 'postgresql':
        env['TRYTOND_DATABASE__URI'] = os.environ['CONNEXION_PG_URI']
        env['DB_NAME'] = 'test_connexion_' + uuid.uuid4().hex[:8]
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


def run_backend(args):
    "Child process: run the selected tests on the backend of the env."
    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = [f'*{k}*' for k in args.k]
    suite = unittest.TestSuite()
    for name in args.only or test_modules():
        suite.addTests(loader.loadTestsFromName(name))
    runner = unittest.TextTestRunner(
        verbosity=2 if args.verbose else 1, resultclass=TimedResult)
    result = runner.run(suite)
    print('Slowest tests:')
    for duration, name in sorted(result.durations, reverse=True)[:12]:
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
    for backend, env, report, output, process, start in runs:
        try:
            rc = process.wait()
        finally:
            if backend == 'postgresql':
                drop_pg_database(env)
        elapsed = time.monotonic() - start
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
