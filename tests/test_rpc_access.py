"""Team accounts through JSON-RPC, as an attacker holding a staff login would
use them (issue 13): the state of every workflow and what its steps stamp
change only through the buttons (finding 2), and a volunteer-group account
reads no donor's contact details nor other volunteers' emergency phones
(finding 11).

One real server with every Connexion module and the demo data; the calls go
through trytond's JSON-RPC dispatcher with each demo user's session."""
import datetime as dt
import json
import unittest

from tests.support import DEMO_PASSWORD, RPCError, Server, Session

# Demo accounts (connexion_asso/demo.py USERS, connexion_dreams/demo.py
# VOLUNTEER_LOGIN) and the administrator, who is not root either.
TEAM_LOGINS = ['reves', 'reves2', 'hopitaux', 'collecte', 'finances',
    'presidente', 'tutrice']
VOLUNTEER_LOGIN = 'tutrice'
REFUSED = "ne change que par les boutons"
LOCKED = "n'est plus modifiable"
STAFF_ONLY = "un bénévole ne peut pas"
NOT_ALLOWED = "autorisé"
# Models that refuse any copy, with their own message.
NOT_COPIED = {
    'connexion.donation.receipt': "ne peuvent pas être dupliqués",
    }

server = None


def workflow_models():
    """{model name: transition field} of every Workflow model registered by
    a Connexion module (Tryton's registry, no database needed)."""
    from trytond.model import Workflow
    from trytond.pool import Pool
    from trytond.tools.misc import resolve
    Pool.start()
    found = {}
    for module, classes in Pool.classes['model'].items():
        if not module.startswith('connexion_'):
            continue
        for cls in classes:
            if isinstance(cls, str):
                # Declared in tryton.cfg as module-relative qualnames.
                cls = resolve(f'{module}.{cls}')
            if issubclass(cls, Workflow):
                found.setdefault(cls.__name__, set()).add(
                    cls.__dict__.get('_transition_state'))
    return found


def setUpModule():
    global server
    server = Server().create().start()


def tearDownModule():
    global server
    if server:
        server.stop()
        server = None


def outcome(call):
    """'written' when the server accepted, 'refused' when it refused the
    workflow field, 'no access' for access rights and rules, else the
    error."""
    try:
        call()
    except RPCError as error:
        text = json.dumps(error.args[0], ensure_ascii=False)
        if REFUSED in text or LOCKED in text or STAFF_ONLY in text:
            return 'refused'
        if NOT_ALLOWED in text:
            return 'no access'
        return text[:200]
    return 'written'


def rpc_date(date):
    return {'__class__': 'date', 'year': date.year, 'month': date.month,
        'day': date.day}


def rpc_decimal(value):
    return {'__class__': 'Decimal', 'decimal': value}


def first(session, model, domain=()):
    ids = session(f'model.{model}.search', list(domain), 0, 1, None)
    return ids[0] if ids else None


def draft_values(admin, model):
    """Values of a first-state record of the workflows the demo data has
    none of, created by the administrator as any user would."""
    today = rpc_date(dt.date.today())
    if model == 'connexion.donation.batch':
        return {'company': first(admin, 'company.company'), 'date': today,
            'payment_method': 'check',
            'expected_amount': rpc_decimal('10.00')}
    if model == 'connexion.committee':
        return {'project': first(admin, 'project.work',
                [('type', '=', 'project')]),
            'name': "Comité de test", 'date': today}
    if model == 'connexion.volunteer.expense':
        return {'volunteer': first(admin, 'connexion.volunteer'),
            'date': today, 'description': "Parking",
            'amount': rpc_decimal('5.00')}
    return None


# Workflows whose records only server tasks create (the daily retention
# task, the duplicate search), as SQL given the ids of two parties.
SERVER_MADE = {
    'connexion.gdpr.retention.proposal': (
        "INSERT INTO connexion_gdpr_retention_proposal "
        "(party, date, state, create_uid, create_date) "
        "SELECT %s, CURRENT_DATE, 'proposed', 0, CURRENT_TIMESTAMP "
        "WHERE %s IS NOT NULL"),
    'connexion.party.duplicate': (
        "INSERT INTO connexion_party_duplicate "
        "(party, other, reason, state, create_uid, create_date) "
        "VALUES (%s, %s, 'name', 'open', 0, CURRENT_TIMESTAMP)"),
    }


class WorkflowRPCTest(unittest.TestCase):
    "No client call moves a workflow: only its buttons do."

    @classmethod
    def setUpClass(cls):
        cls.admin = Session(server, 'admin', server.admin_password)
        cls.sessions = [cls.admin] + [
            Session(server, login, DEMO_PASSWORD) for login in TEAM_LOGINS]

    def record(self, model):
        "A record of the model: from the demo data, else a new first step."
        ids = self.admin(f'model.{model}.search', [], 0, 1, None)
        if not ids:
            values = draft_values(self.admin, model)
            if values:
                ids = self.admin(f'model.{model}.create', [values])
        if not ids and model in SERVER_MADE:
            # Made by server tasks only (no client may create them): put in
            # as the task would, then found as any record.
            parties = [r[0] for r in server.query(
                    "SELECT id FROM party_party ORDER BY id LIMIT 2")]
            server.query(SERVER_MADE[model], *parties)
            ids = self.admin(f'model.{model}.search', [], 0, 1, None)
        return ids

    def models(self):
        """[(model, state field, selection, default state)] of every
        Connexion workflow."""
        models = workflow_models()
        self.assertGreaterEqual(len(models), 17, models)
        result = []
        for model, declared in sorted(models.items()):
            fields = self.admin(f'model.{model}.fields_get', [])
            # A model may name its state in __setup__ (Volunteer: status).
            field = next(f for f in sorted(declared - {None}) + [
                    'state', 'status'] if f in fields)
            selection = [v for v, _ in fields[field]['selection'] if v]
            default = self.admin(
                f'model.{model}.default_get', [field]).get(field)
            result.append((model, field, selection, default))
        return result

    def test_write_state(self):
        "Writing the state of any workflow is refused to every account"
        failures, tested = [], set()
        for model, field, selection, _ in self.models():
            ids = self.record(model)
            if not ids:
                failures.append((model, 'no demo record to write'))
                continue
            record, = self.admin(f'model.{model}.read', ids, [field])
            others = [s for s in selection if s != record[field]]
            for session in self.sessions:
                # Every other state for the administrator, one for the rest.
                for target in (others if session is self.admin
                        else others[-1:]):
                    result = outcome(lambda: session(
                            f'model.{model}.write', ids, {field: target}))
                    if result == 'refused':
                        tested.add(model)
                    elif result != 'no access':
                        failures.append((model, session.login,
                                f'{record[field]}→{target}', result))
        self.assertEqual(failures, [])
        self.assertEqual(
            tested, {m for m, *_ in self.models()},
            "each workflow is refused to at least one account that may "
            "write it")

    def test_create_state(self):
        "Creating a record in another state than the first is refused"
        failures = []
        for model, field, selection, default in self.models():
            target = next(s for s in reversed(selection) if s != default)
            for session in self.sessions:
                result = outcome(lambda: session(
                        f'model.{model}.create', [{field: target}]))
                if result not in {'refused', 'no access'}:
                    failures.append((model, session.login, target, result))
        self.assertEqual(failures, [])

    def test_copy_state(self):
        "A copy cannot be given another state either"
        failures = []
        for model, field, selection, default in self.models():
            ids = self.record(model)
            if not ids:
                continue
            target = next(s for s in reversed(selection) if s != default)
            result = outcome(lambda: self.admin(
                    f'model.{model}.copy', ids, {field: target}))
            if model in NOT_COPIED and NOT_COPIED[model] in result:
                continue
            if result not in {'refused', 'no access'}:
                failures.append((model, target, result))
        self.assertEqual(failures, [])

    def test_dream_approvals(self):
        """Once checked by a step, the illness, the doctor and the approval
        date of a dream stay as the step saw them"""
        approved = server.query(
            "SELECT id FROM connexion_dream WHERE state IN "
            "('approved', 'discovery', 'design', 'scheduled', 'realised') "
            "AND medical_doctor IS NOT NULL ORDER BY id")
        self.assertTrue(approved)
        dream_id = approved[0][0]
        reves = next(s for s in self.sessions if s.login == 'reves')
        for values in [{'serious_illness': False}, {'medical_doctor': None},
                {'medical_approval_date': None}, {'eligibility_date': None},
                {'state': 'referral'}]:
            # The team may not even write the medical ones (field access).
            with self.subTest(values=values, login='reves'):
                self.assertIn(outcome(lambda: reves(
                            'model.connexion.dream.write', [dream_id],
                            values)), {'refused', 'no access'})
            with self.subTest(values=values, login='admin'):
                self.assertEqual(outcome(lambda: self.admin(
                            'model.connexion.dream.write', [dream_id],
                            values)), 'refused')
        # The tutor's own dream: no more than the team.
        tutrice = next(s for s in self.sessions if s.login == 'tutrice')
        own = server.query(
            "SELECT d.id FROM connexion_dream d "
            "JOIN connexion_volunteer v ON v.id = d.tutor "
            "WHERE v.\"user\" = %s AND d.medical_approval_date IS NOT NULL",
            tutrice.user_id)
        for dream_id, in own:
            for values in [{'medical_approval_date': None},
                    {'state': 'closed'}, {'serious_illness': False}]:
                with self.subTest(values=values, dream=dream_id):
                    self.assertIn(outcome(lambda: tutrice(
                                'model.connexion.dream.write', [dream_id],
                                values)), {'refused', 'no access'})
        # The tutor writes the wishes, plan and feedback of an open dream,
        # not what the team decides.
        open_own = server.query(
            "SELECT d.id FROM connexion_dream d "
            "JOIN connexion_volunteer v ON v.id = d.tutor "
            "WHERE v.\"user\" = %s AND d.state NOT IN "
            "('closed', 'refused', 'cancelled') ORDER BY d.id",
            tutrice.user_id)
        self.assertTrue(open_own)
        dream_id = open_own[0][0]
        self.assertEqual(outcome(lambda: tutrice(
                    'model.connexion.dream.write', [dream_id],
                    {'itinerary': "Départ 9 h devant l'hôpital."})), 'written')
        for values in [{'budget': rpc_decimal('99999.00')}, {'urgent': True},
                {'tutor': None}, {'referrer': None}]:
            with self.subTest(values=values, dream=dream_id):
                self.assertIn(outcome(lambda: tutrice(
                            'model.connexion.dream.write', [dream_id],
                            values)), {'refused', 'no access'})
        # Still editable where the workflow expects it: a new referral.
        referral = server.query(
            "SELECT id FROM connexion_dream WHERE state = 'referral' "
            "ORDER BY id")
        if referral:
            self.assertEqual(outcome(lambda: reves(
                        'model.connexion.dream.write', [referral[0][0]],
                        {'serious_illness': True})), 'written')


class VolunteerReadTest(unittest.TestCase):
    "A volunteer-group account reads what a volunteer needs, no more."

    @classmethod
    def setUpClass(cls):
        cls.tutrice = Session(server, VOLUNTEER_LOGIN, DEMO_PASSWORD)

    def read_values(self, model, ids, names):
        "The values the account gets, [] when refused."
        try:
            return self.tutrice(f'model.{model}.read', ids, names)
        except RPCError as error:
            self.assertIn(NOT_ALLOWED,
                json.dumps(error.args[0], ensure_ascii=False))
            return []

    def search_values(self, model, domain, names):
        try:
            return self.tutrice(
                f'model.{model}.search_read', domain, 0, None, None, names)
        except RPCError as error:
            self.assertIn(NOT_ALLOWED,
                json.dumps(error.args[0], ensure_ascii=False))
            return []

    def test_donor_contact(self):
        "A donor's e-mail, phone and address stay hidden"
        donors = server.query(
            "SELECT DISTINCT d.party FROM connexion_donation d "
            "WHERE d.party NOT IN (SELECT party FROM connexion_volunteer) "
            "AND d.party IN (SELECT party FROM party_contact_mechanism) "
            "ORDER BY d.party")
        self.assertTrue(donors)
        donor = donors[0][0]
        for record in self.read_values('party.party', [donor],
                ['email', 'phone', 'addresses', 'contact_mechanisms']):
            self.assertFalse(
                record['email'] or record['phone'] or record['addresses']
                or record['contact_mechanisms'], record)
        self.assertEqual(self.search_values('party.contact_mechanism',
                [('party', '=', donor)], ['value']), [])
        self.assertEqual(self.search_values('party.address',
                [('party', '=', donor)], ['street']), [])
        # Nor by searching on them.
        email, = server.query(
            "SELECT value FROM party_contact_mechanism "
            "WHERE party = %s ORDER BY id LIMIT 1", donor)[0]
        self.assertEqual(self.search_values('party.party',
                [('contact_mechanisms.value', '=', email)], ['name']), [])
        self.assertNotIn(donor, {p['id'] for p in self.search_values(
                    'party.party',
                    [('contact_mechanisms.value', '!=', email + 'x')],
                    ['name'])})
        street, = server.query(
            "SELECT street_unstructured FROM party_address WHERE party = %s "
            "AND street_unstructured IS NOT NULL ORDER BY id LIMIT 1",
            donor)[0]
        self.assertEqual(self.search_values('party.party',
                [('addresses.street_unstructured', '=', street)], ['name']),
            [])
        all_mechanisms = self.search_values(
            'party.contact_mechanism', [], ['party'])
        self.assertNotIn(donor, {m['party'] for m in all_mechanisms})
        # Nor the portal accounts (e-mail) of every volunteer.
        (accounts,), = server.query("SELECT COUNT(*) FROM web_user")
        self.assertLess(
            len(self.search_values('web.user', [], ['email'])), accounts)

    def test_emergency_phone(self):
        "Other volunteers' emergency phones stay hidden"
        others = server.query(
            "SELECT id FROM connexion_volunteer "
            "WHERE (\"user\" IS NULL OR \"user\" != %s) "
            "AND emergency_contact_phone IS NOT NULL ORDER BY id",
            self.tutrice.user_id)
        self.assertTrue(others)
        ids = [i for i, in others]
        for record in self.read_values('connexion.volunteer', ids,
                ['emergency_contact_phone', 'emergency_contact_name']):
            self.assertFalse(record['emergency_contact_phone'], record)
        self.assertEqual([v for v in self.search_values(
                    'connexion.volunteer',
                    [('emergency_contact_phone', '!=', None)],
                    ['emergency_contact_phone'])
                if v['id'] in ids], [])


# What each demo account's role needs in the staff client (issue 16,
# item 5): menus it must see (complete names, in French) and the menu whose
# first record it must open. The volunteer sees none of the staff menus.
ROLE_MENUS = {
    'reves': {"Association / Rêves / Rêves", "Association / Rêves / Enfants",
        "Association / Rêves / Tableau de bord des rêves",
        "Association / Rêves / Activités des rêves",
        "Association / Hôpitaux / Hôpitaux"},
    'hopitaux': {"Association / Hôpitaux / Hôpitaux",
        "Association / Hôpitaux / Tableau de bord Hôpitaux",
        "Association / Hôpitaux / Visites à l'hôpital",
        "Association / Hôpitaux / Plannings de visites",
        "Association / Bénévoles"},
    'collecte': {"Association / Dons / Dons",
        "Association / Dons / Tableau de bord de la collecte",
        "Association / Dons / Fonds collectés par mois",
        "Association / Dons / Campagnes",
        "Association / Adhésions / Adhésions"},
    'finances': {"Association / Dons / Dons",
        "Association / Dons / Reçus fiscaux",
        "Association / Dons / Générer les reçus fiscaux",
        "Association / Tableau de bord de l'association",
        # The finance team keeps the books.
        "Financier / Rapports / Bilan",
        "Financier / Rapports / Compte de résultat",
        "Banque / Mandats SEPA"},
    'presidente': {"Association / Dons / Reçus fiscaux",
        "Association / Gouvernance / Projets"},
    VOLUNTEER_LOGIN: {"Mon bénévolat / Mes rêves",
        "Mon bénévolat / Enfants de mes rêves",
        "Mon bénévolat / Activités de mes rêves",
        "Mon bénévolat / Mes visites à l'hôpital",
        "Mon bénévolat / Ma fiche bénévole",
        "Mon bénévolat / Mes heures",
        "Mon bénévolat / Mes frais"},
    }
ROLE_MENUS['reves2'] = ROLE_MENUS['reves']
# Menus of Tryton's modules the teams do not use (issue 16, item 8): top
# menus no account but the administrator sees (Tryton's own projects
# duplicate "Association / Gouvernance / Projets"), and those of the finance
# team only.
ADMIN_ONLY_MENUS = {"Projets", "Relevés de temps", "Marketing", "Sociétés",
    "Devises", "Administration"}
FINANCE_MENUS = {"Financier", "Banque"}
# The compte d'emploi des ressources, in one place.
CER_MENU = ("Association / Comptabilité associative / CROD et CER "
    "(résultat par origine et "
    "destination, emploi des ressources collectées auprès du public)")
# The dashboard each account opens at login (its team's).
ROLE_DASHBOARD = {
    'reves': "Tableau de bord des rêves",
    'reves2': "Tableau de bord des rêves",
    'hopitaux': "Tableau de bord Hôpitaux",
    'collecte': "Tableau de bord de la collecte",
    'finances': "Tableau de bord de l'association",
    'presidente': "Tableau de bord de l'association",
    }
ROLE_RECORD = {
    'reves': "Association / Rêves / Rêves",
    'reves2': "Association / Rêves / Rêves",
    'hopitaux': "Association / Hôpitaux / Visites à l'hôpital",
    'collecte': "Association / Dons / Dons",
    'finances': "Association / Dons / Reçus fiscaux",
    'presidente': "Association / Gouvernance / Projets",
    VOLUNTEER_LOGIN: "Mon bénévolat / Mes rêves",
    }


class RoleMenuTest(unittest.TestCase):
    "Each demo account reaches what its role needs from its menus."

    @classmethod
    def setUpClass(cls):
        cls.sessions = {
            login: Session(server, login, DEMO_PASSWORD)
            for login in TEAM_LOGINS}

    def menus(self, session):
        "{complete name: id} of the menus the account sees, as sao lists them."
        return {m['complete_name']: m['id'] for m in session(
                'model.ir.ui.menu.search_read', [], 0, None, None,
                ['complete_name'])}

    def open_menu(self, session, menu_id):
        """The action of the menu as the client runs it: (model, domain, form
        view id), the domain evaluated with the client's context."""
        from trytond.pyson import PYSONDecoder
        action, = session('model.ir.action.keyword.get_keyword',
            'tree_open', ['ir.ui.menu', menu_id])
        context = {'_user': session.user_id, 'active_model': 'ir.ui.menu',
            'active_id': menu_id, 'active_ids': [menu_id]}
        context['context'] = context
        domain = PYSONDecoder(context).decode(action['pyson_domain'])
        form = next((v for v, t in action['views'] if t == 'form'), None)
        return action['res_model'], domain, form

    def open_record(self, session, model, domain, form, required=True):
        "Ids found by the action's domain and the first read in its form."
        ids = session(f'model.{model}.search', domain, 0, None, None)
        if not required and not ids:
            return ids
        self.assertTrue(ids, (session.login, model, domain))
        fields = session(f'model.{model}.fields_view_get', form, 'form')[
            'fields']
        record, = session(f'model.{model}.read', ids[:1], list(fields))
        self.assertEqual(record['id'], ids[0])
        return ids

    def test_role_menus(self):
        "Each demo account sees the menus of its role and opens a record"
        for login in TEAM_LOGINS:
            with self.subTest(login=login):
                session = self.sessions[login]
                menus = self.menus(session)
                self.assertLessEqual(ROLE_MENUS[login], set(menus),
                    (sorted(ROLE_MENUS[login] - set(menus)), sorted(menus)))
                model, domain, form = self.open_menu(
                    session, menus[ROLE_RECORD[login]])
                self.open_record(session, model, domain, form)

    def test_role_menus_hidden(self):
        """No account sees the menus of Tryton's modules its team does not
        use; the volunteer sees neither the staff's nor Tryton's"""
        for login in TEAM_LOGINS:
            with self.subTest(login=login):
                menus = self.menus(self.sessions[login])
                tops = {m for m in menus if ' / ' not in m}
                hidden = set(ADMIN_ONLY_MENUS)
                if login not in {'finances', 'presidente'}:
                    hidden |= FINANCE_MENUS
                if login == VOLUNTEER_LOGIN:
                    self.assertEqual(tops, {"Mon bénévolat"}, sorted(menus))
                self.assertFalse(tops & hidden, sorted(menus))
                cer = [m for m in menus if "CER (" in m]
                self.assertIn(cer, [[], [CER_MENU]], sorted(menus))

    def test_role_dashboard(self):
        "Each team account opens its team's dashboard at login"
        for login, name in ROLE_DASHBOARD.items():
            with self.subTest(login=login):
                session = self.sessions[login]
                preferences = session('model.res.user.get_preferences',
                    False)
                self.assertEqual(len(preferences['actions']), 1,
                    preferences['actions'])
                action, = session('model.ir.action.read',
                    preferences['actions'], ['name', 'type'])
                self.assertEqual(
                    (action['name'], action['type']),
                    (name, 'ir.action.act_window'))
                # A board (its graphs and lists: tests.test_browser).
                window, = session('model.ir.action.act_window.search_read',
                    [('action', '=', action['id'])], 0, None, None,
                    ['views'])
                (view_id, view_type), = window['views']
                self.assertEqual(view_type, 'board')

    def test_volunteer_dreams(self):
        "The dream tutor finds her dreams and their steps from her menu"
        session = self.sessions[VOLUNTEER_LOGIN]
        menus = self.menus(session)
        self.assertFalse([m for m in menus if m.startswith("Association")],
            sorted(menus))
        self.assertIn("Mon bénévolat / Mes rêves", menus, sorted(menus))
        volunteer, = session('model.connexion.volunteer.search',
            [('user', '=', session.user_id)], 0, None, None)
        tutored = {d for d, in server.query(
                "SELECT id FROM connexion_dream WHERE tutor = %s", volunteer)}
        self.assertTrue(tutored)
        model, domain, form = self.open_menu(
            session, menus["Mon bénévolat / Mes rêves"])
        self.assertEqual(model, 'connexion.dream')
        self.assertLessEqual(tutored,
            set(self.open_record(session, model, domain, form)))
        # Every entry of her menu opens (the demo gives her dreams, their
        # children and steps, and her volunteer record).
        required = {"Mon bénévolat / Mes rêves",
            "Mon bénévolat / Enfants de mes rêves",
            "Mon bénévolat / Activités de mes rêves",
            "Mon bénévolat / Ma fiche bénévole"}
        for name in sorted(ROLE_MENUS[VOLUNTEER_LOGIN]):
            with self.subTest(menu=name):
                self.open_record(session,
                    *self.open_menu(session, menus[name]),
                    required=name in required)
