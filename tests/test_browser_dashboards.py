"""The web client's first login: each team account lands on its dashboard,
in French, every board's lists and graphs loaded (issue 16)."""
import datetime as dt
import json
import os
import re
import tempfile
import time
import unittest
import urllib.request
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.support import (
    Server, backend, chrome, console_errors, sao_login)


# What a board shows, read in the page once every action has loaded: the
# name of the tab, the text of its lists and graphs (the SVG labels too), the
# rows of each action and any dialog.
BOARD = """
var tab = Sao.Tab.tabs.get_current();
if (!tab || !tab.board || jQuery.active) {
    return null;
}
var actions = tab.board.actions;
if (!actions.every(a => a.screen && a.screen.current_view)) {
    return null;
}
var pane = jQuery('#' + tab.id);
// A graph is drawn once its SVG has its axis or its slices.
var graphs = pane.find('.graph');
if (graphs.filter((i, g) => !jQuery(g).find('svg').length).length) {
    return null;
}
return {
    name: tab.name_long_el ? tab.name_long_el.text() : tab.name,
    text: pane.find('.panel-heading, svg text, td, th').map(
        (i, e) => jQuery(e).text()).get().join('\\n'),
    rows: actions.map(a => [a.name, a.screen.group.length,
        a.screen.current_view.view_type]),
    dialogs: jQuery('.modal:visible').not('.login-dialog').map(
        (i, e) => jQuery(e).text().replace(/\\s+/g, ' ').trim()).get(),
    // sao's own words: tooltips, placeholders, buttons.
    words: pane.find('[title], [placeholder], button').map(
        (i, e) => e.getAttribute('placeholder') || e.getAttribute('title')
            || jQuery(e).text().trim()).get().filter(w => w),
    // What passes the board's right edge, and the lists that scroll sideways.
    wider: pane.find('.panel-heading, .graph, .treeview').filter(
        (i, e) => e.getBoundingClientRect().right >
            pane[0].getBoundingClientRect().right + 1
            || (jQuery(e).hasClass('treeview')
                && e.scrollWidth > e.clientWidth + 1)).map(
        (i, e) => e.className + ': ' + jQuery(e).closest('.board-action').find(
            '.panel-heading').first().text()).get(),
    };
"""


@unittest.skipIf(backend() != 'sqlite',
    "the boards in the web client, once: on SQLite, the demo's database "
    "(their figures are tested on PostgreSQL by the modules' tests)")
class SaoDashboardTest(unittest.TestCase):
    """A first login lands on the team's dashboard (issue 16, item 8), in
    French: no module configuration dialog, no raw selection code, the
    client called Connexion (item 6)."""

    # Account, password, dashboard and a French label it must show.
    ACCOUNTS = [
        ('admin', 'admin', "Tableau de bord de l'association",
            "Fonds collectés par mois"),
        ('reves', 'connexion-demo', "Tableau de bord des rêves", "Réalisé"),
        ('hopitaux', 'connexion-demo', "Tableau de bord Hôpitaux",
            "Heures bénévoles par équipe"),
        ('collecte', 'connexion-demo', "Tableau de bord de la collecte",
            "Fidélisation (%)"),
        ('finances', 'connexion-demo', "Tableau de bord de l'association",
            "Rêves réalisés par année"),
        ]
    # Codes of the dreams' states and wish categories the graphs showed.
    RAW = re.compile(r'\b(referral|eligible|approved|discovery|design|'
        r'scheduled|realised|follow_up|closed|refused|cancelled|'
        r'give|have|meet)\b')

    @classmethod
    def setUpClass(cls):
        cls.server = Server().create().start()
        cls.addClassCleanup(cls.server.stop)
        cls.screenshots = os.environ.get('CONNEXION_SCREENSHOTS') or (
            tempfile.mkdtemp(prefix='connexion-boards-'))
        # sao's French: its English words that have a French translation.
        with urllib.request.urlopen(f'{cls.server.url}/locale/fr.json') as r:
            cls.english = {k for k, v in json.load(r).items()
                if k and len(v) == 2 and v[1] and v[1] != k}

    def board(self, driver, timeout=120):
        "The board once loaded (graphs drawn), or a dialog in its way."
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            board = driver.execute_script(BOARD)
            if board:
                # Drawn twice the same: billboard's transitions ended.
                time.sleep(1)
                again = driver.execute_script(BOARD)
                if again == board:
                    return board
            dialogs = driver.execute_script(
                "return jQuery('.modal:visible').not('.login-dialog').map("
                "(i, e) => jQuery(e).text().replace(/\\s+/g, ' ').trim())"
                ".get();")
            if dialogs:
                self.fail(f"dialog instead of a dashboard: {dialogs}")
            time.sleep(0.5)
        self.fail("the dashboard never loaded")

    def test_first_login_dashboards(self):
        """Each team account lands on its dashboard, labelled in French, sao
        too though the browser speaks English (the users' language is
        French), readable on a 1280 x 800 laptop screen"""
        # Today as the server sees it, for the overdue steps: ir.date's, in
        # the company's timezone (Paris is a day ahead of UTC after 23:00).
        (timezone,), = self.server.query(
            'SELECT timezone FROM company_company ORDER BY id LIMIT 1')
        today = dt.datetime.now(ZoneInfo(timezone or 'UTC')).date()
        overdue = dict(self.server.query(
                "SELECT id, due_date FROM connexion_dream_activity "
                "WHERE (done IS NULL OR NOT done) AND due_date < %s",
                today.isoformat()))
        for login, password, name, label in self.ACCOUNTS:
            with self.subTest(login=login):
                driver = chrome(lang='en-US')
                self.addCleanup(driver.quit)
                driver.set_window_size(1280, 800)
                # The login dialog names the client.
                driver.get(f'{self.server.url}/#{self.server.database}')
                title = WebDriverWait(driver, 180).until(
                    EC.visibility_of_element_located((By.CSS_SELECTOR,
                            '.login-dialog .modal-title')))
                # Shown before sao writes its title, on a loaded machine.
                WebDriverWait(driver, 30).until(lambda driver: title.text)
                self.assertEqual(title.text, "Connexion")
                self.assertEqual(driver.title, "Connexion")
                sao_login(driver, self.server, login, password)
                board = self.board(driver)
                driver.save_screenshot(os.path.join(
                        self.screenshots, f'board-{login}.png'))
                # And its lower half, scrolled to.
                driver.execute_script("""
                    var tab = Sao.Tab.tabs.get_current();
                    jQuery('#' + tab.id).find('*').addBack().add(
                        jQuery('#' + tab.id).parents()).each(function() {
                            this.scrollTop = this.scrollHeight;
                        });""")
                driver.save_screenshot(os.path.join(
                        self.screenshots, f'board-{login}-end.png'))
                self.assertEqual(board['name'], name)
                self.assertEqual(board['dialogs'], [])
                self.assertIn(label, board['text'])
                self.assertEqual(self.RAW.findall(board['text']), [])
                # sao in French before the board opens (it showed 'Filters',
                # 'Search' in an English browser).
                self.assertIn("Filtres", board['words'])
                self.assertEqual(
                    [w for w in board['words'] if w in self.english], [])
                # Nothing cut at the right edge, no list to scroll sideways.
                self.assertEqual(board['wider'], [])
                self.assertTrue(all(rows for _, rows, _ in board['rows']),
                    board['rows'])
                # (Not the files sao looks for at start that no deployment
                # has: custom.css, the browser's language en_US.)
                self.assertEqual([e for e in console_errors(
                            driver.get_log('browser'))
                        if 'Failed to load resource' not in e], [])
                if login == 'reves':
                    shown = driver.execute_script("""
                        var board = Sao.Tab.tabs.get_current().board;
                        var steps = board.actions.find(
                            a => a.screen.model_name ==
                                'connexion.dream.activity');
                        return steps.screen.group.map(r => r.id);""")
                    self.assertTrue(overdue)
                    self.assertEqual(set(shown), set(overdue))
                    # Their due dates the French way: 31/12/2026.
                    due = dt.date.fromisoformat(str(min(overdue.values())))
                    self.assertIn(due.strftime('%d/%m/%Y'), board['text'])
                driver.quit()
