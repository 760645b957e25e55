"""Export a module's translatable strings and merge the known French ones."""
import os
import sys

import polib

from trytond.modules import get_module_info
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, activate_module
from trytond.tools import import_module
from trytond.transaction import Transaction


def export(module, activate=True):
    """The module's strings, including those of the classes it registers only
    when an optional module (extras_depend) is activated too.
    activate=False: the test database already holds the module and its
    optional ones (the translation test activates every module once)."""
    if activate:
        activate_module(
            [module] + get_module_info(module).get('extras_depend', []))
    with Transaction().start(DB_NAME, 0, readonly=False):
        pool = Pool()
        TranslationSet = pool.get('ir.translation.set', type='wizard')
        Translation = pool.get('ir.translation')
        session_id, _, _ = TranslationSet.create()
        TranslationSet(session_id).transition_set_()
        content = Translation.translation_export('en', module)
        Transaction().rollback()
    return content


def main(argv):
    import argparse
    import json
    parser = argparse.ArgumentParser()
    parser.add_argument('modules', nargs='+')
    parser.add_argument('--fill', help="JSON {msgid or 'context|msgid': msgstr}")
    args = parser.parse_args(argv)
    modules = args.modules
    fill = {}
    if args.fill:
        with open(args.fill, encoding='utf-8') as fp:
            fill = json.load(fp)
    missing_total = 0
    for module in modules:
        directory = os.path.dirname(import_module(module).__file__)
        path = os.path.join(directory, 'locale', 'fr.po')
        known = {}
        if os.path.exists(path):
            for entry in polib.pofile(path):
                if entry.msgstr:
                    known[(entry.msgctxt, entry.msgid)] = entry.msgstr
        new = polib.pofile(export(module).decode('utf-8'))
        missing = []
        for entry in new:
            entry.msgstr = (
                fill.get(f'{entry.msgctxt}|{entry.msgid}')
                or known.get((entry.msgctxt, entry.msgid))
                or fill.get(entry.msgid, ''))
            entry.flags = [f for f in entry.flags if f != 'fuzzy']
            if not entry.msgstr:
                missing.append(entry)
        new.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
        os.makedirs(os.path.dirname(path), exist_ok=True)
        new.save(path)
        print(f'{path}: {len(new)} entries, {len(missing)} untranslated')
        for entry in missing:
            print(f'  {entry.msgctxt}  {entry.msgid!r}')
        missing_total += len(missing)
    return 1 if missing_total else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
