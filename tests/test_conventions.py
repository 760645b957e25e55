"""Conventions of trytond 8.0 that the modules' code keeps, checked on the
source: mistakes that no behaviour shows, only the time they cost."""
import ast
import glob
import os
import unittest

from tests.support import ROOT, backend


def module_sources():
    "(path, tree) of every module's Python file, tests aside."
    for path in sorted(glob.glob(os.path.join(ROOT, 'addons', '*', '*.py'))):
        with open(path) as fp:
            yield os.path.relpath(path, ROOT), ast.parse(fp.read(), path)


@unittest.skipIf(backend() != 'sqlite',
    "the source does not depend on the database backend")
class ConventionTest(unittest.TestCase):

    def test_grouped_slice_sized(self):
        """grouped_slice is given its size: without one, trytond 8.0 slices
        one by one (a query per record) and warns"""
        unsized = []
        for path, tree in module_sources():
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call)
                        and getattr(node.func, 'id', None) == 'grouped_slice'
                        and len(node.args) + len(node.keywords) < 2):
                    unsized.append(f'{path}:{node.lineno}')
        self.assertEqual(unsized, [])
