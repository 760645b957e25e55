"""The unsubscribe and preference pages of the campaign e-mails, through
trytond's WSGI application as a mail client or a browser reaches them: in
the person's language, and what the staff or an attacker typed (a campaign's
subject, an address, the name of a list or of a consent purpose) shown as
text, never as markup."""
import html
from urllib.parse import urlsplit

from werkzeug.test import Client

from trytond.pool import Pool
from trytond.tests.test_tryton import (
    CONTEXT, DB_NAME, USER)
from trytond.wsgi import app

from connexion_asso.tests.database import DatabaseTestCase
from connexion_asso.tests.worker import in_transaction

from ..campaign import preferences_url, public_url

MARKUP = '<script>alert("x")</script>'


def transaction(func):
    return in_transaction(func, DB_NAME, USER, CONTEXT)


def create_recipient(name, lang_code):
    """A person of lang_code (None: none) on a mailing list with a markup
    name, the recipient of a campaign with a markup subject at a markup
    address; returns the paths of the unsubscribe and preference links."""
    pool = Pool()
    Lang = pool.get('ir.lang')
    Party = pool.get('party.party')
    Purpose = pool.get('connexion.consent.purpose')
    List = pool.get('marketing.email.list')
    Campaign = pool.get('connexion.marketing.campaign')
    Recipient = pool.get('connexion.marketing.campaign.recipient')
    lang = Lang.search([('code', '=', lang_code)]) if lang_code else None
    party, = Party.create([{'name': name,
                'lang': lang[0].id if lang else None}])
    if not Purpose.search([('code', '=', 'pages-markup')]):
        Purpose.create([{'code': 'pages-markup',
                    'name': f"Lettre {MARKUP}",
                    'description': f"Chaque mois {MARKUP}"}])
    list_, = List.create([{'name': f"Liste {MARKUP}"}])
    campaign, = Campaign.create([{'name': f"Appel {MARKUP}",
                'subject': f"Merci {MARKUP}", 'segment': 'list',
                'list_': list_.id,
                'content': '<html><body><p>Bonjour</p></body></html>'}])
    recipient, = Recipient.create([{'campaign': campaign.id,
                'party': party.id,
                'email': f'"{MARKUP}"@exemple.test'}])
    return (urlsplit(public_url(f'u/{recipient.token}')).path,
        urlsplit(preferences_url(party.id)).path)


class CampaignPagesTest(DatabaseTestCase):
    modules = ['connexion_marketing']

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def french():
            Lang = Pool().get('ir.lang')
            # As scripts/demo, which activates the modules with -l fr.
            Lang.load_translations(Lang.search([('code', '=', 'fr')]))
        transaction(french)

    def assertEscaped(self, page):
        self.assertNotIn(MARKUP, page)
        self.assertNotIn('<script', page)

    def test_unsubscribe_page_escaped(self):
        "The unsubscribe page shows the subject and address as text"
        unsubscribe, _ = transaction(
            lambda: create_recipient("Agathe Balise", None))
        client = Client(app)
        response = client.get(unsubscribe)
        self.assertEqual(response.status_code, 200)
        page = response.get_data(as_text=True)
        self.assertEscaped(page)
        self.assertIn(html.escape(f"Merci {MARKUP}"), page)
        self.assertIn(html.escape(f'"{MARKUP}"@exemple.test'), page)
        response = client.post(unsubscribe)
        self.assertEqual(response.status_code, 200)
        self.assertEscaped(response.get_data(as_text=True))

    def test_preferences_page_escaped(self):
        "The preference page shows the names of lists and purposes as text"
        _, preferences = transaction(
            lambda: create_recipient("Basile Balise", None))
        client = Client(app)
        for response in [client.get(preferences),
                client.post(preferences, data={'list-0': 'on'})]:
            self.assertEqual(response.status_code, 200)
            page = response.get_data(as_text=True)
            self.assertEscaped(page)
            self.assertIn(html.escape(f"Liste {MARKUP}"), page)
            self.assertIn(html.escape(f"Lettre {MARKUP}"), page)
            self.assertIn(html.escape(f"Chaque mois {MARKUP}"), page)

    def test_pages_in_person_language(self):
        "The pages speak the person's language, French without one"
        links = transaction(lambda: [
                create_recipient("Chloé Sans", None),
                create_recipient("Chloe English", 'en')])
        client = Client(app)
        (unsubscribe_fr, preferences_fr), (unsubscribe_en, preferences_en) \
            = links
        for path, text in [
                (unsubscribe_fr, 'lang="fr"'),
                (unsubscribe_fr, "Voulez-vous ne plus recevoir ces e-mails"),
                (preferences_fr, "Vos préférences de communication"),
                (unsubscribe_en, 'lang="en"'),
                (unsubscribe_en, "Do you want to stop receiving these "
                    "e-mails?"),
                (preferences_en, "Your E-mail Preferences"),
                ]:
            page = client.get(path).get_data(as_text=True)
            self.assertIn(text, page, path)
        page = client.post(unsubscribe_fr).get_data(as_text=True)
        self.assertIn("Vous êtes désinscrit", page)
