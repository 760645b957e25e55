"""The children's medical fields through JSON-RPC, per demo team account
(issues 13 and 14): every account outside the medical group is refused them
by read, search domain, sort, related path, 'where' sub-domain and export;
the medical group's searches, sorts and exports are written to the
health-data access log.

One real server with every Connexion module and the demo data (the same
build as tests/test_rpc_access.py); the calls go through trytond's JSON-RPC
dispatcher with each demo user's session."""
import json
import unittest

from tests.support import RPCError, Server, Session

# connexion_asso/demo.py USERS and connexion_dreams/demo.py VOLUNTEER_LOGIN:
# none of them is in the "Dreams Medical Access" group.
TEAM_LOGINS = ['reves', 'reves2', 'hopitaux', 'collecte', 'finances',
    'presidente', 'tutrice']
MEDICAL = {
    'connexion.child': ['pathology', 'medical_constraints',
        'treating_doctor', 'service'],
    'connexion.dream': ['urgent', 'medical_doctor'],
    }

server = None


def setUpModule():
    global server
    server = Server().create().start()


def tearDownModule():
    global server
    if server:
        server.stop()
        server = None


def calls(child, dream):
    "(label, method, params) of every way to a medical field."
    result = []
    for model, ids in [('connexion.child', [child]),
            ('connexion.dream', [dream])]:
        for name in MEDICAL[model]:
            result += [
                (f'read {model}.{name}', f'model.{model}.read',
                    (ids, [name])),
                (f'search {model}.{name}', f'model.{model}.search',
                    ([(name, '!=', None)], 0, None, None)),
                (f'count {model}.{name}', f'model.{model}.search_count',
                    ([(name, '!=', None)],)),
                (f'order {model}.{name}', f'model.{model}.search',
                    ([], 0, None, [[name, 'ASC']])),
                (f'export {model}.{name}', f'model.{model}.export_data',
                    (ids, [name])),
                (f'export domain {model}.{name}',
                    f'model.{model}.export_data_domain',
                    ([(name, '!=', None)], ['id'])),
                ]
    for name in MEDICAL['connexion.child']:
        result += [
            (f'read dream child.{name}', 'model.connexion.dream.read',
                ([dream], [f'child.{name}'])),
            (f'search dream child.{name}', 'model.connexion.dream.search',
                ([(f'child.{name}', '!=', None)], 0, None, None)),
            (f'order dream child.{name}', 'model.connexion.dream.search',
                ([], 0, None, [[f'child.{name}', 'ASC']])),
            (f'export dream child/{name}',
                'model.connexion.dream.export_data',
                ([dream], [f'child/{name}'])),
            (f'where dream child.{name}', 'model.connexion.dream.search',
                ([('child', 'where', [(name, '!=', None)])], 0, None, None)),
            (f'wish dream.child.{name}', 'model.connexion.dream.wish.search',
                ([(f'dream.child.{name}', '!=', None)], 0, None, None)),
            ]
    result += [
        ('where child dreams.urgent', 'model.connexion.child.search',
            ([('dreams', 'where', [('urgent', '=', True)])], 0, None, None)),
        ('guardian child.pathology', 'model.connexion.child.guardian.search',
            ([('child.pathology', '!=', None)], 0, None, None)),
        ]
    return result


class MedicalAccessTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        (cls.child, cls.dream), = server.query(
            'SELECT c.id, d.id FROM connexion_child c '
            'JOIN connexion_dream d ON d.child = c.id '
            'WHERE c.pathology IS NOT NULL AND c.service IS NOT NULL '
            'AND d.medical_doctor IS NOT NULL ORDER BY d.id LIMIT 1')

    def log_count(self, user_id):
        (count,), = server.query('SELECT COUNT(*) FROM '
            'connexion_gdpr_sensitive_access WHERE "user" = %s', user_id)
        return count

    def test_team_accounts_refused(self):
        "No team account outside the medical group reaches a medical field"
        checked = 0
        for login in TEAM_LOGINS:
            session = Session(server, login)
            before = self.log_count(session.user_id)
            for label, method, params in calls(self.child, self.dream):
                with self.subTest(login=login, call=label):
                    with self.assertRaises(RPCError) as context:
                        session(method, *params)
                    text = json.dumps(context.exception.args[0],
                        ensure_ascii=False)
                    # Field access, or no access to the model at all.
                    self.assertIn("Vous n'êtes pas autorisé", text)
                    checked += 1
            # A refused call reads nothing: nothing to log.
            self.assertEqual(self.log_count(session.user_id), before)
        self.assertGreater(checked, 300)
        # The Dreams team still works with the children, without their
        # health data.
        reves = Session(server, 'reves')
        children = reves('model.connexion.child.search_read',
            [('id', '=', self.child)], 0, None, None,
            ['birth_date', 'hospital', 'rec_name'])
        self.assertEqual([c['id'] for c in children], [self.child])

    def test_medical_group_is_logged(self):
        "Searches, sorts and exports by the medical group are logged"
        session = Session(server, 'admin', server.admin_password)
        for label, method, params in calls(self.child, self.dream):
            with self.subTest(call=label):
                before = self.log_count(session.user_id)
                session(method, *params)
                self.assertGreater(self.log_count(session.user_id), before)
        actions = {a for a, in server.query('SELECT DISTINCT action FROM '
                'connexion_gdpr_sensitive_access WHERE "user" = %s',
                session.user_id)}
        self.assertEqual(actions, {'read', 'search', 'order', 'export'})
        # No child's name in the analytic accounts finance reads.
        names = [n for n, in server.query(
                'SELECT p.name FROM connexion_child c '
                'JOIN party_party p ON p.id = c.party')]
        accounts = [n for n, in server.query(
                'SELECT a.name FROM analytic_account_account a '
                'JOIN connexion_dream d ON d.analytic_account = a.id')]
        self.assertTrue(accounts)
        for account in accounts:
            self.assertRegex(account, r'^Rêve n° \d+$')
            self.assertFalse([n for n in names if n in account])
