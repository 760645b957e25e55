"""Every string of every Connexion module has its French translation."""
import glob
import importlib.util
import os
import unittest

import polib

from connexion_asso.tests.database import DatabaseTestCase
from connexion_asso.tests.server import connexion_modules
from tests.support import ROOT, backend

spec = importlib.util.spec_from_file_location(
    'po_update', os.path.join(ROOT, 'scripts', 'lib', 'po_update.py'))
po_update = importlib.util.module_from_spec(spec)
spec.loader.exec_module(po_update)

MODULES = sorted(
    os.path.basename(os.path.dirname(p))
    for p in glob.glob(os.path.join(ROOT, 'addons', '*', 'tryton.cfg')))


@unittest.skipIf(backend() != 'sqlite',
    "the strings do not depend on the database backend")
class FrenchTranslationTest(DatabaseTestCase):
    # One database with every module (the one the views' test uses): each
    # module's export from it holds the same strings as from a database of
    # that module alone (compared when this was written).
    modules = connexion_modules()

    def test_every_string_is_translated(self):
        "The users are French: no label, help, selection, message untranslated"
        for module in MODULES:
            with self.subTest(module=module):
                path = os.path.join(ROOT, 'addons', module, 'locale', 'fr.po')
                self.assertTrue(os.path.exists(path), f"{path} is missing")
                known = {(e.msgctxt, e.msgid) for e in polib.pofile(path)
                    if e.msgstr and 'fuzzy' not in e.flags}
                exported = po_update.export(module, activate=False)
                if not exported:
                    continue
                missing = [f'{e.msgctxt} {e.msgid!r}'
                    for e in polib.pofile(exported.decode('utf-8'))
                    if (e.msgctxt, e.msgid) not in known]
                self.assertEqual(missing, [],
                    f"run scripts/po-update {module} and translate")
