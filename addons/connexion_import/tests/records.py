"""The tests of the kinds of records imported besides contacts (volunteers,
hours, gifts), of access rights and of an interrupted import.

Mixed into ConnexionImportTestCase (test_module.py), which activates the
modules once for all of them."""
import datetime as dt
import os
import subprocess
import sys
import unittest
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, with_transaction)
from trytond.transaction import Transaction

from .tools import (
    DONATION_HEADER, HEADER, ROWS, csv_bytes, errors_of, make_profile)


class RecordCases:
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
