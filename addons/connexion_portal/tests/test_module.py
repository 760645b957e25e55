"""The portal framework's own checks; its pages over HTTP are tested by the
modules that add them and by the repository's tests/test_portal*.py (they
need a server with the demo volunteers)."""
import datetime as dt
import urllib.parse
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.cron_tests import CronTestMixin


class ConnexionPortalTestCase(CronTestMixin, ModuleTestCase):
    "Test Connexion Portal module"
    module = 'connexion_portal'

    @with_transaction()
    def test_portal_session_without_profile_module(self):
        """The portal's session query leaves out the profiles of modules the
        database does not activate (connexion_volunteer's volunteer)"""
        from connexion_portal import portal, queries, registry
        pool = Pool()

        def join(pool, query, user):
            table = pool.get('connexion.elsewhere').__table__()
            return query.join(table, 'LEFT',
                condition=table.id == user.id), [table.id]
        registry.add_profile('elsewhere', join, lambda page, values: None,
            module='connexion_elsewhere')
        try:
            self.assertNotIn('elsewhere',
                [p.name for p in registry.profiles(pool)])
            cursor = queries.execute(pool, 'test.session',
                portal.Page._session_query, key='0' * 32)
            self.assertIsNone(cursor.fetchone())
        finally:
            registry.PROFILES[:] = [
                p for p in registry.PROFILES if p.name != 'elsewhere']
            del registry._OWNER[('profile', 'elsewhere')]
            queries._QUERIES.pop('test.session', None)

    @with_transaction()
    def test_portal_long_dates(self):
        "The portal's long dates take ir.lang's day and month names"
        from connexion_portal.dates import format_date, format_datetime
        Lang = Pool().get('ir.lang')
        french, = Lang.search([('code', '=', 'fr')])
        Lang.load_translations([french])
        saturday = dt.date(2026, 3, 14)
        with Transaction().set_context(language='fr'):
            self.assertEqual(format_date(saturday).replace('\u00a0', ' '),
                "samedi 14 mars 2026")
            self.assertEqual(format_datetime(
                    dt.datetime(2026, 3, 14, 9), dt.datetime(2026, 3, 14, 12, 30)
                    ).replace('\u00a0', ' '),
                "samedi 14 mars 2026, 9 h 00 – 12 h 30")
        with Transaction().set_context(language='en'):
            self.assertEqual(format_date(saturday).replace('\u00a0', ' '),
                "Saturday 14 March 2026")

    @with_transaction()
    def test_local_time_of_company(self):
        "The portal writes times in the association's timezone, not Paris's"
        from trytond.modules.company.tests import create_company, set_company

        from connexion_portal.dates import local
        company = create_company()
        company.timezone = 'America/Cayenne'
        company.save()
        noon_utc = dt.datetime(2026, 1, 15, 12, 0)
        with set_company(company):
            self.assertEqual(local(noon_utc), dt.datetime(2026, 1, 15, 9, 0))
        company.timezone = None
        company.save()
        with set_company(company):
            self.assertEqual(local(noon_utc), dt.datetime(2026, 1, 15, 13, 0))

    @with_transaction()
    def test_page_reads_timezone_once(self):
        """A page reads the association's timezone once, not once per time
        it writes (a page of 50 shifts writes 100)"""
        from unittest.mock import patch

        from trytond.modules.company.tests import create_company
        from trytond.protocols.wrappers import Request
        from werkzeug.test import EnvironBuilder

        from connexion_portal.portal import Page
        Company = Pool().get('company.company')
        company = create_company()
        company.timezone = 'America/Cayenne'
        company.save()
        page = Page(Request(EnvironBuilder().get_environ()), Pool())
        local = page._values()['local']
        noon_utc = dt.datetime(2026, 1, 15, 12, 0)
        with patch.object(Company, 'search', wraps=Company.search) as search:
            for _ in range(3):
                self.assertEqual(local(noon_utc), dt.datetime(2026, 1, 15, 9))
        self.assertLessEqual(search.call_count, 1)

    def test_french_spaces(self):
        """Non-breaking spaces before French punctuation in the text and the
        shown attributes, never in URLs, typed values or text areas"""
        from connexion_portal.template import french_spaces
        page = ('<p>Prêt ? Oui ! « Bien » : fini</p>'
            '<a href="/x?a=1 ;b" title="Aide ?">lien</a>'
            '<input value="a ; b"><textarea>tel quel ?</textarea>')
        self.assertEqual(french_spaces(page),
            '<p>Prêt\u202f? Oui\u202f! «\u00a0Bien\u00a0»\u00a0: fini</p>'
            '<a href="/x?a=1 ;b" title="Aide\u202f?">lien</a>'
            '<input value="a ; b"><textarea>tel quel ?</textarea>')

    def test_form_values(self):
        "Values of forms and URLs are read strictly (ASCII digits, bounds)"
        from connexion_portal import portal_forms
        self.assertEqual(portal_forms.integer(' 12 '), 12)
        self.assertIsNone(portal_forms.integer('²'))
        self.assertIsNone(portal_forms.integer('١٢'))
        self.assertIsNone(portal_forms.record_id('0'))
        self.assertIsNone(portal_forms.record_id(str(2 ** 31)))
        self.assertEqual(portal_forms.decimal('1 000,50', 0, 10000),
            Decimal('1000.50'))
        for value in ['NaN', 'Infinity', '1e999', '2,505']:
            self.assertIsNone(
                portal_forms.decimal(value, 0, 10000), value)
        self.assertEqual(portal_forms.date('4/3/2026'), dt.date(2026, 3, 4))
        self.assertEqual(portal_forms.date('2026-03-04'), dt.date(2026, 3, 4))
        self.assertIsNone(portal_forms.date('31/02/2026'))
        self.assertEqual(
            portal_forms.text(' a\x07b\r\nc ', 10, multiline=True), 'ab\nc')

    @with_transaction()
    def test_reset_link_to_portal(self):
        """web_user's reset e-mail links to the portal's new password page
        under the public address, never the request's host"""
        pool = Pool()
        WebUser = pool.get('web.user')
        user = WebUser(email='anne@example.org')
        user.set_reset_password_token()
        user.save()
        url = urllib.parse.urlsplit(user.get_email_reset_password_url())
        database = urllib.parse.quote(Transaction().database.name)
        self.assertEqual(url.path, f'/{database}/portal/nouveau-mot-de-passe')
        self.assertEqual(urllib.parse.parse_qs(url.query), {
                'token': [user.reset_password_token],
                'email': ['anne@example.org']})

    @with_transaction()
    def test_reset_token(self):
        """The reset link sets the password once, before it expires; a new
        password ends the user's open sessions"""
        from connexion_portal.portal_routes import _reset_password
        pool = Pool()
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        user = WebUser(email='bruno@example.org')
        user.save()
        session_key = user.new_session()
        user.set_reset_password_token()
        user.save()
        token = user.reset_password_token

        self.assertFalse(_reset_password(
                pool, 'bruno@example.org', 'x' + token, 'nouveau-secret'))
        self.assertTrue(_reset_password(
                pool, 'bruno@example.org', token, 'nouveau-secret'))
        user = WebUser(user.id)
        self.assertIsNone(user.reset_password_token)
        self.assertTrue(WebUser.check_password(
                'nouveau-secret', user.password_hash)[0])
        self.assertFalse(Session.search([('key', '=', session_key)]))
        # Used: the same link does not set a password again.
        self.assertFalse(_reset_password(
                pool, 'bruno@example.org', token, 'autre-secret'))

        # Expired: refused, and the token is cleared.
        user.set_reset_password_token()
        user.reset_password_token_expire = (
            dt.datetime.now() - dt.timedelta(seconds=1))
        user.save()
        self.assertFalse(_reset_password(pool, 'bruno@example.org',
                user.reset_password_token, 'autre-secret'))
        self.assertIsNone(WebUser(user.id).reset_password_token)


del ModuleTestCase
