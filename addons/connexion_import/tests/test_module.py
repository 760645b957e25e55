import datetime as dt
import io
import os
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import (
    ModuleTestCase, activate_module, drop_db, with_transaction)
from trytond.transaction import Transaction

from ..cleaning import (
    CleanError, clean_amount, clean_bic, clean_date, clean_email,
    clean_iban, clean_name, clean_phone, clean_postal_code)
from ..reader import read
from .files import FileCases
from .records import RecordCases
from .tools import (
    DONATION_HEADER, HEADER, ROWS, csv_bytes, errors_of, make_profile)


class ConnexionImportTestCase(FileCases, RecordCases, ModuleTestCase):
    "Test Connexion Import module"
    module = 'connexion_import'
    extras = ['connexion_donation', 'connexion_membership']

    @classmethod
    def setUpClass(cls):
        """One test database for these tests and the scenario: the modules
        are sorted as proteus' activate_modules sorts them for its cache."""
        super(test_tryton._DBTestCase, cls).setUpClass()
        drop_db()
        activate_module(sorted([cls.module] + cls.extras), lang=cls.language)

    @with_transaction()
    def test_cli_texts(self):
        """scripts/import: its options in English (an operator's tool, as
        trytond-admin), its summary in French as the report"""
        import contextlib
        from connexion_asso.tests.translations import load_french
        from .. import cli
        load_french(Pool(), 'connexion_import')
        output = io.StringIO()
        with contextlib.redirect_stdout(output), \
                self.assertRaises(SystemExit):
            cli.parse_args(['--help'])
        self.assertIn("Import a CSV or XLSX file", output.getvalue())
        self.assertNotRegex(output.getvalue(), '[éèàç]')
        with Transaction().set_context(language='fr'):
            summary = cli.summary_lines('dons-rejets.csv', 2.5, 5000)
        self.assertEqual(summary, [
                "Fichier des rejets : dons-rejets.csv",
                "Terminé en 2,5\u00a0s (2\u00a0000 lignes par seconde).",
                ])

    @with_transaction()
    def test_clean_date_company_today(self):
        """A date is in the future from the company's today (its timezone),
        not the server's: one of the two far timezones is on another day
        than the server at any hour."""
        from trytond.modules.company.tests import create_company, set_company
        Date = Pool().get('ir.date')
        company = create_company()
        for timezone in ['Pacific/Kiritimati', 'Pacific/Pago_Pago']:
            company.timezone = timezone
            company.save()
            with self.subTest(timezone=timezone), set_company(company):
                today = Date.today()
                tomorrow = today + dt.timedelta(days=1)
                self.assertEqual(clean_date(today), today)
                self.assertEqual(
                    clean_date(today.strftime('%d/%m/%Y')), today)
                for value in [tomorrow, tomorrow.strftime('%d/%m/%Y')]:
                    with self.assertRaises(CleanError):
                        clean_date(value)

    @with_transaction()
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


del ModuleTestCase
