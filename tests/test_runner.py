"""scripts/test's selection: a word that selects nothing fails loudly, and
the README's example selects tests."""
import os
import re
import subprocess
import sys
import unittest

from tests.support import ROOT


class SelectionTest(unittest.TestCase):

    def test_empty_selection_fails(self):
        "-k with a word no test has: a French message and a failure"
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, 'tests', 'run.py'),
                '--backends', 'sqlite', '-k', 'zz_aucun_test_zz',
                '--only', 'tests.test_runner'],
            capture_output=True, text=True, timeout=300)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("Aucun test ne correspond", result.stdout)
        self.assertIn("0 passed, 1 failed", result.stdout)

    def test_readme_example_selects_tests(self):
        "The word of the README's `scripts/test -k` example names tests"
        with open(os.path.join(ROOT, 'README.md')) as fp:
            words = re.findall(r'scripts/test -k (\w+)', fp.read())
        self.assertTrue(words)
        names = []
        for folder, _, files in os.walk(ROOT):
            if '.venv' in folder or 'node_modules' in folder:
                continue
            for name in files:
                if re.match(r'(test_.*\.py|scenario_.*\.rst)$', name):
                    names.append(name)
                    if name.endswith('.py'):
                        with open(os.path.join(folder, name)) as fp:
                            names.extend(re.findall(
                                    r'(?:def|class) (\w+)', fp.read()))
        for word in words:
            self.assertTrue([n for n in names if word in n], word)


class TrytondInternalsTest(unittest.TestCase):

    def test_patched_internals_are_checked(self):
        """The runner patches private names of trytond 8.0: they are there
        as expected, and a change to one of them is reported"""
        sys.path.insert(0, os.path.join(ROOT, 'tests'))
        try:
            import run
        finally:
            sys.path.remove(os.path.join(ROOT, 'tests'))
        self.assertEqual(run.check_trytond_internals(), [])
        from trytond.tests import tools
        activate_modules = tools.activate_modules
        tools.activate_modules = lambda modules: None
        try:
            self.assertEqual(run.check_trytond_internals(), [
                    "trytond.tests.tools.activate_modules('modules',) "
                    "instead of ('modules', '*setup')"])
        finally:
            tools.activate_modules = activate_modules

