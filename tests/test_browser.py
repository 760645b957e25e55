"""The web client: a demo user logs in to sao and opens Teams; the
administrator opens every view of the Connexion menus."""
import datetime as dt
import os
import re
import tempfile
import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.support import (
    Server, backend, chrome, console_errors, sao_login)


class SaoSmokeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server().create().start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        # A fresh browser per test: sao keeps its session in the browser.
        self.driver = chrome()
        self.addCleanup(self.driver.quit)

    def wait(self, condition, timeout=30):
        return WebDriverWait(self.driver, timeout).until(condition)

    def login(self, login, password, refused=False):
        return sao_login(self.driver, self.server, login, password, refused)

    def test_team_user_opens_teams_in_french(self):
        "A Rêves referent logs in and sees the teams in a French menu"
        self.login('reves', 'connexion-demo')
        menu = self.wait(EC.element_to_be_clickable(
                (By.XPATH, "//*[normalize-space(text())='Association']")))
        # Open the "Association" menu with its expander.
        menu.find_element(By.XPATH, "./ancestor::tr[1]").find_element(
            By.CSS_SELECTOR, '.expander').click()
        teams = self.wait(EC.element_to_be_clickable(
                (By.XPATH, "//*[normalize-space(text())='Équipes']")))
        teams.click()
        cell = self.wait(EC.visibility_of_element_located(
                (By.XPATH, "//table//*[normalize-space(text())="
                    "'Com/Partenariats/Collecte']")))
        self.assertTrue(cell.is_displayed())
        body = self.driver.find_element(By.TAG_NAME, 'body').text
        for team in ["Rêves", "Hôpitaux", "Admin/Finances/Juridique"]:
            self.assertIn(team, body)

    def test_client_loads_without_errors(self):
        """Opening the web client logs no failed request in the browser's
        console: custom.css and the browser language's locale file
        (fr_FR) are served, not refused with a 405"""
        driver = self.driver
        driver.get(f'{self.server.url}/#{self.server.database}')
        self.wait(EC.visibility_of_element_located((By.ID, 'login')),
            timeout=180)
        self.wait(lambda d: d.execute_script("return jQuery.active == 0"))
        self.assertEqual(console_errors(driver.get_log('browser')), [])
        # A French browser (fr_FR, no file of that name in sao) gets French.
        self.assertEqual(driver.execute_async_script(
                "var done = arguments[arguments.length - 1];"
                "jQuery.getJSON('locale/fr_FR.json').then("
                "d => done([d[''].language, d['Search']]), () => done(null));"),
            ['fr_FR', [None, 'Rechercher']])

    def test_wrong_password_is_refused(self):
        "A wrong password does not open the client"
        # The server refuses: sao asks for the password again.
        self.login('reves', 'not-the-password', refused=True)
        body = self.driver.find_element(By.TAG_NAME, 'body').text
        self.assertNotIn("Camille Roussel", body)
        self.assertFalse(self.driver.find_elements(
                By.XPATH, "//*[normalize-space(text())='Association']"))

    def test_workflow_button_keeps_referred_by(self):
        """A dream's 'Signalé par' stays as it was when a date typed on
        another tab is saved by a workflow button clicked straight away
        (issue 16, item 1: the client sent referred_by 'other')"""
        driver = self.driver
        (dream, referred_by), = self.server.query(
            "SELECT id, referred_by FROM connexion_dream "
            "WHERE state = 'design' AND referred_by != 'other' "
            "ORDER BY id LIMIT 1")
        self.login('reves', 'connexion-demo')
        driver.execute_script("Sao.open_url(arguments[0]);",
            f'{self.server.database}/model/connexion.dream/{dream}')
        tab = self.wait(EC.element_to_be_clickable((By.XPATH,
                    "//a[normalize-space(.)='Réalisation et suivi']")))
        # The client wrote the list's first option: the test could not fail
        # on a dream that has it (read once the form shows its values).
        self.wait(lambda d: d.execute_script(
                "return jQuery('select[name=referred_by] option').length > 1"
                " && jQuery.active == 0"))
        self.assertNotEqual(driver.execute_script(
                "return JSON.parse(jQuery('select[name=referred_by] option')"
                ".first().val());"), referred_by)
        # The form as the team sees it (its next-step checklist on top).
        if os.environ.get('CONNEXION_SCREENSHOTS'):
            driver.save_screenshot(os.path.join(
                    os.environ['CONNEXION_SCREENSHOTS'], 'dream-form.png'))
        tab.click()
        date = self.wait(EC.visibility_of_element_located(
                (By.CSS_SELECTOR, "input[name='dream_date']")))
        date.click()
        date.send_keys('15/07/2027')
        # Straight to the button, without leaving the field.
        driver.find_element(
            By.XPATH, "//button[normalize-space(.)='Planifier']").click()
        self.wait(lambda d: self.server.query(
                "SELECT dream_date FROM connexion_dream WHERE id = %s",
                dream)[0][0] is not None)
        self.wait(lambda d: d.execute_script("return jQuery.active == 0"))
        (saved_date, saved_referred_by), = self.server.query(
            "SELECT dream_date, referred_by FROM connexion_dream "
            "WHERE id = %s", dream)
        self.assertEqual(str(saved_date), '2027-07-15')
        self.assertEqual(saved_referred_by, referred_by)


# The state of the web client, read in the page: the current tab (a screen or
# a board), the requests still running and any dialog (error, warning) shown.
PROBE = """
var tab = Sao.Tab.tabs.get_current();
var state = {
    requests: jQuery.active,
    processing: jQuery('#processing').is(':visible'),
    dialogs: jQuery('.modal:visible').not('.wizard-dialog').map(function() {
        return jQuery(this).text().replace(/\\s+/g, ' ').trim().slice(0, 300);
        }).get(),
    };
var wizard = jQuery('.wizard-dialog:visible').last();
if (wizard.length) {
    // A wizard's step, in a dialog over the tabs.
    state.view = wizard.find('.form').length ? 'wizard' : null;
} else if (tab && tab.screen) {
    var screen = tab.screen;
    state.model = screen.model_name;
    state.view = screen.current_view ? screen.current_view.view_type : null;
    state.views = screen.views.map(v => v.view_type).concat(
        screen.view_to_load);
    state.records = screen.group.length;
    state.record = screen.current_record ? screen.current_record.id : null;
    state.modified = state.view == 'form' ? screen.modified() : false;
} else if (tab && tab.board) {
    state.view = tab.board.actions.every(
        a => a.screen && a.screen.current_view) ? 'board' : null;
} else if (!tab) {
    state.view = 'none';
}
return state;
"""


# The headers of the lists shown that end in "…" (a laptop's 1280 px, the
# menu open): "Fin de validité du casier judiciaire" was cut.
CUT_HEADERS = """
return jQuery('table.tree > thead > tr > th:visible > div > label').filter(
    (i, l) => l.scrollWidth > l.clientWidth + 1).map(
    (i, l) => jQuery(l).text().trim()).get().filter(t => t);
"""


# Whether the list of the current tab scrolls sideways (wider than the tab).
SIDEWAYS = """
var view = jQuery('#' + Sao.Tab.tabs.get_current().id).find(
    '.treeview:visible')[0];
return view.scrollWidth > view.clientWidth + 1;
"""


@unittest.skipIf(backend() != 'sqlite',
    "the web client's views, walked once: on SQLite, the demo's database "
    "(SaoSmokeTest logs in and runs a workflow on PostgreSQL too)")
class SaoEveryViewTest(unittest.TestCase):
    """Every menu entry of the Connexion modules, and of the core models
    whose views they extend, opens in sao for the administrator: each view
    of its action and the form of its first record, with no console error,
    no error dialog, no change made by merely opening."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().create().start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        self.driver = chrome()
        self.addCleanup(self.driver.quit)
        self.screenshots = os.environ.get('CONNEXION_SCREENSHOTS')
        if not self.screenshots:
            self.screenshots = tempfile.mkdtemp(prefix='connexion-sao-')

    def menu_entries(self):
        """(id, action name, model or wizard) of the menu entries that open a
        window or a wizard."""
        return self.server.query(
            "SELECT m.id, a.name, COALESCE(w.res_model, z.wiz_name) "
            "FROM ir_ui_menu m "
            "JOIN ir_action_keyword k ON k.keyword = 'tree_open' "
            "AND k.model = 'ir.ui.menu,' || m.id "
            "JOIN ir_action a ON a.id = k.action "
            "LEFT JOIN ir_action_act_window w ON w.action = a.id "
            "LEFT JOIN ir_action_wizard z ON z.action = a.id "
            "LEFT JOIN ir_model_data d ON d.model = 'ir.ui.menu' "
            "AND d.db_id = m.id "
            "WHERE m.active AND (w.id IS NOT NULL OR z.id IS NOT NULL) "
            "AND (d.module LIKE 'connexion%%' "
            "OR w.res_model IN (SELECT model FROM ir_ui_view "
            "WHERE module LIKE 'connexion%%')) ORDER BY m.id")

    def login_admin(self):
        # Tryton's module configuration wizard would open first.
        self.server.query(
            "UPDATE ir_module_config_wizard_item SET state = 'done'")
        sao_login(self.driver, self.server, 'admin',
            self.server.admin_password)
        # The dashboard opened at login (SaoDashboardTest) is closed: each
        # entry is walked from no tab.
        self.close_tabs()

    def settled(self, view, timeout=30):
        """The state once the client shows view ('*': any) and has been idle
        (no request, no processing indicator) for two readings in a row, or
        a dialog; None after timeout."""
        deadline = time.monotonic() + timeout
        last, same = None, 0
        while time.monotonic() < deadline:
            state = self.driver.execute_script(PROBE)
            idle = not state['requests'] and not state['processing'] and (
                state['dialogs']
                or state.get('view') and view in {'*', state['view']})
            same = same + 1 if idle and state == last else 0
            # No tab (a wizard that ended at once) only once it lasts: the
            # client may be between two requests before opening one.
            if same >= (10 if state.get('view') == 'none' else 1):
                return state
            last = state if idle else None
            time.sleep(0.3)
        return None

    def visible_menus(self, ids):
        "The menu entries among ids that the administrator sees."
        return self.driver.execute_async_script("""
            var done = arguments[arguments.length - 1];
            Sao.rpc({
                method: 'model.ir.ui.menu.search',
                params: [[['id', 'in', arguments[0]]], 0, null, null, {}],
                }, Sao.Session.current_session).then(done, () => done([]));
            """, ids)

    def close_tabs(self):
        "Close every tab, dropping what a form may show as changed."
        self.driver.execute_script("""
            for (const tab of Sao.Tab.tabs.slice()) {
                if (tab.screen) {
                    tab.screen.group.forEach(r => r.cancel());
                }
                jQuery('#nav-' + tab.id).remove();
                jQuery('#' + tab.id).remove();
                Sao.Tab.tabs.splice(Sao.Tab.tabs.indexOf(tab), 1);
            }
            jQuery('.modal').modal('hide');
            jQuery('.wizard-dialog, .modal-backdrop').remove();
            jQuery('body').removeClass('modal-open');
            """)

    def other_models(self, entries):
        """The models with a Connexion list or form that no menu entry opens
        (lines, comments, wishes… opened from their parent's form) and that
        store records (not a wizard's steps)."""
        models = [m for m, in self.server.query(
                "SELECT DISTINCT model FROM ir_ui_view "
                "WHERE module LIKE 'connexion%%' AND type IN ('tree', 'form') "
                "ORDER BY model")
            if m not in {e[2] for e in entries}]
        return self.driver.execute_async_script("""
            var done = arguments[arguments.length - 1];
            var models = arguments[0], stored = [];
            jQuery.when.apply(jQuery, models.map(model => Sao.rpc({
                    method: 'model.' + model + '.search_count',
                    params: [[], 0, 1, {}],
                    }, Sao.Session.current_session, true, false).then(
                    () => stored.push(model), () => null).then(null,
                    () => jQuery.when()))).always(() => done(stored));
            """, models)

    # How the client opens a menu entry (as a click on it) and a model.
    OPEN = {
        'menu': "Sao.Action.exec_keyword('tree_open', "
            "{model: 'ir.ui.menu', id: arguments[0]}, null, false);",
        'model': "Sao.Tab.create({model: arguments[0], view_ids: [], "
            "mode: ['tree', 'form'], name: arguments[0], domain: [], "
            "context: {}, search_value: [], tab_domain: []});",
        }

    def open_views(self, kind, target):
        """Open the menu entry or model, each view of its action and the form
        of its first record: the problems seen, and whether a form opened."""
        driver = self.driver
        problems = []
        driver.execute_script(self.OPEN[kind], target)
        state = first = self.settled('*')
        if state is None:
            return ["never loaded"], False
        # The other views of the action, the form last (on the first record).
        views = [v for v in dict.fromkeys(state.get('views', []))
            if v not in {state['view'], 'form'}]
        if 'form' in state.get('views', []) and state['view'] != 'form':
            views.append('form')
        # The list's headers, read before the form replaces it.
        if state['view'] == 'tree':
            problems += [f"header cut at 1280 px: {label}"
                for label in driver.execute_script(CUT_HEADERS)]
            if driver.execute_script(SIDEWAYS):
                self.sideways.append(target)
        for view in views:
            if state['dialogs'] or (view == 'form' and not first['records']):
                break
            if view == 'form':
                driver.execute_script("""
                    var screen = Sao.Tab.tabs.get_current().screen;
                    screen.current_record = screen.group[0];""")
            driver.execute_script(
                "Sao.Tab.tabs.get_current().screen.switch_view(arguments[0]);",
                view)
            state = self.settled(view)
            if state is None:
                problems.append(f"{view} view never loaded")
                break
        for current in [first, state]:
            if current and current['dialogs']:
                problems.append(f"dialog: {current['dialogs']}")
                break
        if state and state.get('modified'):
            problems.append(f"record {state['record']} changed by opening it")
        opened_form = bool(state) and state['view'] == 'form'
        return problems, opened_form

    def test_every_menu_entry_opens(self):
        "Each view of each menu entry and the form of a record open cleanly"
        self.driver.set_script_timeout(60)
        entries = self.menu_entries()
        self.assertGreater(len(entries), 40)
        self.login_admin()
        # The volunteers' own menus ('Mon bénévolat') are theirs only:
        # tests.test_rpc_access.RoleMenuTest opens them as each account.
        visible = set(self.visible_menus([e[0] for e in entries]))
        walked = [('menu', e[0], f"{e[1]} ({e[2]}, menu {e[0]})")
            for e in entries if e[0] in visible]
        self.assertGreater(len(walked), 40)
        others = self.other_models(entries)
        self.assertIn('connexion.idea.comment', others)
        walked += [('model', m, m) for m in others]
        # The wizards' steps, refused above, are not to be reported.
        self.driver.get_log('browser')
        failures, forms = [], 0
        self.sideways = []
        for kind, target, label in walked:
            problems, opened_form = self.open_views(kind, target)
            forms += opened_form
            problems += console_errors(self.driver.get_log('browser'))
            if problems:
                self.driver.save_screenshot(os.path.join(
                        self.screenshots, f'{kind}-{target}.png'))
                failures.append(f"{label}: " + '; '.join(problems))
            self.close_tabs()
        self.assertFalse(failures, '\n'.join(failures))
        # The teams' main lists fit a laptop's 1280 px, the menu open.
        for module, menu in [('connexion_dreams', 'menu_dream'),
                ('connexion_donation', 'menu_donation'),
                ('connexion_volunteer', 'menu_volunteer_hours')]:
            self.assertNotIn(self.menu_id(module, menu), self.sideways, menu)
        # The walk opened forms, not only lists.
        self.assertGreater(forms, len(walked) // 2)

    # Issue 16, item 9: the donations in the staff client.

    def menu_id(self, module, fs_id):
        (menu,), = self.server.query(
            "SELECT db_id FROM ir_model_data WHERE module = %s "
            "AND fs_id = %s", module, fs_id)
        return menu

    def screenshot(self, name):
        path = os.path.join(self.screenshots, name)
        self.driver.save_screenshot(path)
        return path

    def test_donations_list_opens_on_all_latest_first(self):
        "The donations list opens on every gift, latest first, not on an "
        "empty 'Brouillon' tab"
        driver = self.driver
        self.login_admin()
        # What the page logged while loading is not this test's.
        driver.get_log('browser')
        latest = [i for i, in self.server.query(
                "SELECT id FROM connexion_donation "
                "ORDER BY date DESC, id DESC LIMIT 3")]
        self.assertEqual(len(latest), 3)
        driver.execute_script(self.OPEN['menu'],
            self.menu_id('connexion_donation', 'menu_donation'))
        state = self.settled('tree')
        self.assertTrue(state and not state['dialogs'], state)
        tabs = driver.execute_script("""
            var tab = Sao.Tab.tabs.get_current();
            return jQuery('#' + tab.id).find('.nav-tabs li').map(function() {
                return [[jQuery(this).text().trim(),
                    jQuery(this).hasClass('active')]];
                }).get();""")
        self.screenshot('donations-list.png')
        self.assertFalse(driver.execute_script(SIDEWAYS))
        self.assertEqual([t for t, active in tabs if active], ["Tous"], tabs)
        self.assertTrue(any(t.startswith("À valider") for t, _ in tabs), tabs)
        self.assertNotIn("Brouillon", [t for t, _ in tabs])
        shown = driver.execute_script("""
            return Sao.Tab.tabs.get_current().screen.group.slice(0, 3)
                .map(r => r.id);""")
        self.assertEqual(shown, latest)
        # "Export List": every gift of the list's search, not only the
        # first thousand that the list loaded.
        (gifts,), = self.server.query(
            "SELECT COUNT(*) FROM connexion_donation")
        self.assertLess(state['records'], gifts)
        self.assertEqual(driver.execute_script("""
            var tab = Sao.Tab.tabs.get_current();
            return jQuery('#' + tab.id).find('.dropdown-menu a').filter(
                (i, a) => a.textContent.trim() == arguments[0]).click().length;
            """, "Exporter la liste vers un tableur (XLSX)"), 1)
        summary = self.wait_for(lambda d: d.execute_script("""
            return jQuery('.wizard-dialog:visible textarea').val();"""),
            timeout=120)
        self.screenshot('donations-export.png')
        self.assertIn(" lignes exportées", summary)
        exported = summary.split(" lignes exportées")[0]
        self.assertEqual(int(re.sub(r'\D', '', exported)), gifts, summary)
        self.close_tabs()
        self.assertEqual(console_errors(driver.get_log('browser')), [])

    def test_donor_form_lists_gifts_and_receipts(self):
        "A donor's form lists her gifts and her tax receipts on their tabs"
        driver = self.driver
        (party, receipt, receipts, issued), = self.server.query(
            "SELECT party, MAX(number), COUNT(*), MAX(issue_date) "
            "FROM connexion_donation_receipt "
            "GROUP BY party ORDER BY COUNT(*) DESC, party LIMIT 1")
        (gifts,), = self.server.query(
            "SELECT COUNT(*) FROM connexion_donation WHERE party = %s",
            party)
        self.assertGreater(gifts, 1)
        self.login_admin()
        driver.get_log('browser')
        driver.execute_script("Sao.open_url(arguments[0]);",
            f'{self.server.database}/model/party.party/{party}')
        self.assertEqual(self.settled('form')['record'], party)

        def open_page(title):
            page = self.wait_for(EC.element_to_be_clickable((By.XPATH,
                        "//div[contains(@class, 'tab-form')]//ul[contains("
                        "@class, 'nav-tabs')]//a[normalize-space(.)="
                        f"'{title}']")))
            page.click()
            self.settled('form')
            # The list of the page shown: its rows, once loaded.
            return driver.execute_script("""
                var pane = jQuery('.tab-form .tab-pane.active').filter(
                    ':visible').last();
                return pane.find('table.tree tbody tr').filter(
                    ':visible').map(function() {
                        return jQuery(this).text().replace(/\\s+/g, ' ');
                    }).get();""")

        rows = open_page("Dons")
        self.screenshot('donor-gifts.png')
        self.assertEqual(len(rows), gifts, rows)
        rows = open_page("Reçus fiscaux")
        self.screenshot('donor-receipts.png')
        self.assertEqual(len(rows), receipts, rows)
        self.assertTrue(any(receipt in r for r in rows), rows)
        # French dates (31/12/2026, not Tryton's 31.12.2026).
        issued = dt.date.fromisoformat(str(issued)[:10])
        self.assertTrue(any(issued.strftime('%d/%m/%Y') in r for r in rows),
            rows)
        # Issued by their wizard only: the list offers neither creation nor
        # deletion (sao showed its buttons greyed out).
        buttons = driver.execute_script("""
            var pane = jQuery('.tab-form .tab-pane.active').filter(
                ':visible').last();
            return pane.find('.form-one2many button:visible').map(
                (i, b) => b.title).get();""")
        self.assertIn("Ouvrir", buttons)
        for refused in ["Nouveau", "Supprimer", "Restaurer", "Ajouter",
                "Retirer"]:
            self.assertNotIn(refused, buttons)
        self.assertEqual(console_errors(driver.get_log('browser')), [])

    def test_row_buttons_within_screen(self):
        "The buttons of the hours to validate are within the list's width "
        "on a laptop screen, not after a horizontal scroll"
        driver = self.driver
        self.login_admin()
        driver.execute_script(self.OPEN['menu'],
            self.menu_id('connexion_volunteer', 'menu_volunteer_hours'))
        state = self.settled('tree')
        self.assertTrue(state['records'], state)
        self.screenshot('hours-to-validate.png')
        visible, buttons = driver.execute_script("""
            var pane = jQuery('#' + Sao.Tab.tabs.get_current().id);
            var list = pane.find('.treeview:visible')[0].getBoundingClientRect();
            return [list.right, pane.find('table.tree tbody tr:first button')
                .filter(':visible').map(function() {
                    return [[jQuery(this).text().trim(),
                        this.getBoundingClientRect().right]];
                    }).get()];""")
        self.assertEqual([b for b, _ in buttons], ["Valider", "Refuser"])
        for name, right in buttons:
            self.assertLessEqual(right, visible, name)
        # Nor any column of the list.
        self.assertFalse(driver.execute_script(SIDEWAYS))

    def wait_for(self, condition, timeout=30):
        return WebDriverWait(self.driver, timeout).until(condition)
