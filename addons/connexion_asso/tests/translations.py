"""French in a test transaction: test databases are activated in English,
so a test that checks a French text loads the module's fr.po first (rolled
back with the test)."""
import importlib
import os


def load_french(pool, *modules):
    "Make French translatable and load the fr.po of modules."
    Lang = pool.get('ir.lang')
    Translation = pool.get('ir.translation')
    Lang.write(Lang.search([('code', '=', 'fr')]), {'translatable': True})
    for module in modules:
        directory = os.path.dirname(importlib.import_module(module).__file__)
        Translation.translation_import(
            'fr', module, os.path.join(directory, 'locale', 'fr.po'))
