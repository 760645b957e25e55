"""scripts/backup then scripts/restore gives back the data and the files."""
import os
import subprocess
import sys
import textwrap
import unittest

from tests.support import ROOT, Server

SNIPPET = textwrap.dedent('''
    import sys
    from trytond import config
    config.update_etc(sys.argv[1])
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool.start()
    pool = Pool(sys.argv[2])
    pool.init()
    with Transaction().start(sys.argv[2], 0) as transaction:
        Team = pool.get('connexion.team')
        Attachment = pool.get('ir.attachment')
        if sys.argv[3] == 'write':
            team, = Team.create([{'name': "Équipe sauvegardée", 'code': 'SAV'}])
            Attachment.create([{
                'name': 'compte-rendu.txt', 'resource': str(team),
                'data': 'Compte rendu du comité'.encode('utf-8')}])
            transaction.commit()
        else:
            team, = Team.search([('code', '=', 'SAV')])
            attachment, = Attachment.search([('resource', '=', str(team))])
            print(team.name, '|', bytes(attachment.data).decode('utf-8'))
''')


class BackupRestoreTest(unittest.TestCase):

    def setUp(self):
        # The demo database (shared with the portal tests: built once).
        self.server = Server().create()
        self.addCleanup(self.server.stop)
        self.env = self.server.env()

    def python(self, database, action):
        return subprocess.run(
            [sys.executable, '-c', SNIPPET, self.server.config, database,
                action], env=self.env, check=True, capture_output=True,
            text=True).stdout.strip()

    def script(self, *args, check=True):
        return subprocess.run(
            [os.path.join(ROOT, 'scripts', args[0]), '-c', self.server.config,
                *args[1:]], env=self.env, check=check, capture_output=True,
            text=True)

    def test_round_trip(self):
        "A backup restored under another name has the records and files"
        self.python(self.server.database, 'write')
        out = os.path.join(self.server.tmp, 'backups')
        result = self.script('backup', '-d', self.server.database, '-o', out)
        archive = result.stdout.strip().split(': ', 1)[1]
        self.assertTrue(os.path.exists(archive))

        copy = self.server.database + '_copie'
        # The copy is dropped with the server's temporary directory / cluster.
        self.addCleanup(subprocess.run, [sys.executable, os.path.join(
                    ROOT, 'scripts', 'lib', 'dbtool.py'), '-c',
                self.server.config, '-d', copy, 'drop'], env=self.env)
        self.script('restore', '-d', copy, archive)
        self.assertEqual(
            self.python(copy, 'read'),
            "Équipe sauvegardée | Compte rendu du comité")

        # Restoring over an existing database is refused, in French.
        result = self.script('restore', '-d', copy, archive, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("existe déjà", result.stderr)
