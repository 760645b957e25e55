import datetime as dt
import json

from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin
from connexion_asso.tests.smtp import Sink, smtp_server
from connexion_asso.tests.worker import as_task
from connexion_gdpr.tests.tools import find_strings

from .. import demo


def create_subscribers(count, prefix):
    "Parties subscribed to a new mailing list; returns (list, parties)."
    pool = Pool()
    Party = pool.get('party.party')
    MarketingList = pool.get('marketing.email.list')
    MarketingEmail = pool.get('marketing.email')
    list_, = MarketingList.create([{'name': f"Liste {prefix}"}])
    parties = Party.create([{
                'name': f"{prefix} Donateur {i:02d}",
                'contact_mechanisms': [('create', [{'type': 'email',
                                'value': f'{prefix.lower()}{i}@exemple.test'}])],
                } for i in range(count)])
    MarketingEmail.create([{'email': f'{prefix.lower()}{i}@exemple.test',
                'list_': list_.id} for i in range(count)])
    return list_, parties


def create_campaign(list_, name):
    Campaign = Pool().get('connexion.marketing.campaign')
    campaign, = Campaign.create([{
                'name': name, 'subject': "Merci pour votre soutien",
                'segment': 'list', 'list_': list_.id,
                'content': '<html xmlns:py="http://genshi.edgewall.org/">'
                '<body><p>Bonjour ${name},</p>'
                '<p><a href="https://mille-etoiles.example/don">Donner</a></p>'
                '<p><a href="${preferences_url}">Mes préférences</a></p>'
                '</body></html>'}])
    return campaign


class ConnexionMarketingTestCase(
        CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Marketing module"
    module = 'connexion_marketing'
    # The donor segments and automations are registered with
    # connexion_donation: activate it so that their models and views are
    # checked too.
    extras = ['connexion_donation']
    @with_transaction()
    def test_broken_template_refused(self):
        "A campaign or automation whose body is no valid template is refused"
        pool = Pool()
        Campaign = pool.get('connexion.marketing.campaign')
        Automation = pool.get('connexion.marketing.automation')
        list_, _ = create_subscribers(1, 'Casse')
        campaign = create_campaign(list_, "Lettre cassée")
        with self.assertRaises(ValidationError) as cm:
            Campaign.write([campaign], {'content': '<p>${name</p>'})
        self.assertIn("Lettre cassée", cm.exception.message)
        with self.assertRaises(ValidationError) as cm:
            Automation.create([{'name': "Merci cassé", 'kind': 'thank_you',
                        'subject': "Merci", 'delay': 30,
                        'start_date': dt.date(2026, 1, 1),
                        'content': '<p>${name</p>'}])
        self.assertIn("Merci cassé", cm.exception.message)

    @with_transaction()
    def test_receipt_kind_needs_tax_receipt(self):
        "Without connexion_tax_receipt, no automation e-mails tax receipts"
        pool = Pool()
        Module = pool.get('ir.module')
        Automation = pool.get('connexion.marketing.automation')
        self.assertFalse(Module.search([
                    ('name', '=', 'connexion_tax_receipt'),
                    ('state', '=', 'activated')]))
        self.assertEqual([k for k, _ in Automation.kind.selection],
            ['thank_you', 'reactivation'])
        # The demo leaves out the automation of a kind not activated.
        demo.load(pool)
        self.assertEqual(
            sorted(a.kind for a in Automation.search(
                    [('active', 'in', [True, False])])),
            ['reactivation', 'thank_you'])
        with self.assertRaises(ValidationError):
            Automation.create([{'name': "Reçus", 'kind': 'receipt',
                        'subject': "Reçu", 'start_date': dt.date(2026, 1, 1),
                        'content': '<p>${name}</p>'}])

    @with_transaction()
    def test_campaign_resumes_after_smtp_failure(self):
        "SMTP killed mid-campaign, then resumed: everyone gets one e-mail"
        pool = Pool()
        Campaign = pool.get('connexion.marketing.campaign')
        list_, parties = create_subscribers(12, "Reprise")
        campaign = create_campaign(list_, "Appel de printemps")
        Campaign.queue([campaign])
        self.assertEqual(len(campaign.recipients), 12)

        first = Sink(kill_after=5)
        with smtp_server(first) as port:
            Campaign.send([campaign])
            # The button queues the sending for the worker (ir.queue).
            self.assertEqual(len(first.messages), 0)
            as_task(Campaign.process, [campaign])
        campaign = Campaign(campaign.id)
        self.assertEqual(campaign.state, 'sending')
        self.assertTrue(campaign.last_error)
        self.assertIsNone(campaign.sending_report)
        self.assertEqual(len(first.messages), 5)
        self.assertEqual((campaign.sent, campaign.pending), (5, 7))

        second = Sink()
        with smtp_server(second, port):
            as_task(Campaign.process, [campaign])
        campaign = Campaign(campaign.id)
        self.assertEqual(campaign.state, 'done')
        self.assertFalse(campaign.last_error)
        # It says what it did and how long it took, resumption included.
        self.assertLessEqual(campaign.sending_start, campaign.sending_end)
        self.assertRegex(campaign.sending_report,
            r'^12 e-mails sent, 0 failed, 0 people left out '
            r'\(no consent or no e-mail\), in [0-9,]+\u00a0s\.$')
        received = sorted(m['To'] for m in first.messages + second.messages)
        expected = sorted(
            f'{p.name} <{p.contact_mechanisms[0].value}>' for p in parties)
        self.assertEqual(received, expected)
        # Personalised, with a one-click unsubscribe header.
        message = second.messages[0]
        body = message.get_payload(decode=True).decode()
        self.assertIn("Bonjour Reprise Donateur", body)
        self.assertIn('/preferences/', body)
        self.assertNotIn('https://mille-etoiles.example/don', body)
        self.assertIn('/u/', message['List-Unsubscribe'])

    @with_transaction()
    def test_campaign_links_use_public_url(self):
        "Campaign links name [connexion] public_url, never a request's host"
        from trytond.config import config
        from ..campaign import preferences_url, public_url
        if not config.has_section('connexion'):
            config.add_section('connexion')
        config.set('connexion', 'public_url', 'https://benevoles.example.org')
        self.addCleanup(config.set, 'connexion', 'public_url', '')
        # A campaign sent from a button click runs with the request in the
        # context: its Host header is the client's choice.
        with Transaction().set_context(_request={
                    'http_host': 'evil.example', 'is_secure': False}):
            for url in [public_url('u/token'), preferences_url(1)]:
                self.assertTrue(url.startswith('https://benevoles.example.org'
                        '/connexion_marketing/'), url)

    @with_transaction()
    def test_campaign_excludes_unsubscribed_and_bounced(self):
        "An unsubscribed or bounced donor is not in the next campaign"
        pool = Pool()
        Campaign = pool.get('connexion.marketing.campaign')
        Recipient = pool.get('connexion.marketing.campaign.recipient')
        list_, parties = create_subscribers(4, "Retrait")
        first = create_campaign(list_, "Première")
        Campaign.queue([first])
        with smtp_server(Sink()):
            Campaign.send([first])
            as_task(Campaign.process, [first])
        alice, bob = (Recipient.search([('campaign', '=', first.id),
                        ('party', '=', p.id)])[0] for p in parties[:2])
        alice.track_open()
        self.assertEqual(
            alice.track_click(0), 'https://mille-etoiles.example/don')
        self.assertIsNone(alice.track_click(99))
        alice.unsubscribe()
        Recipient.bounce(bob.email.upper())
        first = Campaign(first.id)
        self.assertEqual((first.opened, first.clicked, first.failed),
            (1, 1, 1))

        second = create_campaign(list_, "Seconde")
        Campaign.queue([second])
        self.assertEqual(sorted(r.party.name for r in second.recipients),
            sorted(p.name for p in parties[2:]))
        self.assertEqual(second.excluded, 2)

    @with_transaction()
    def test_erased_bounce_stays_blocked(self):
        "A bounced address stays blocked after erasure, even entered again"
        pool = Pool()
        Party = pool.get('party.party')
        Campaign = pool.get('connexion.marketing.campaign')
        Recipient = pool.get('connexion.marketing.campaign.recipient')
        MarketingEmail = pool.get('marketing.email')
        list_, (bounced, other) = create_subscribers(2, "Rebond")
        email = bounced.contact_mechanisms[0].value
        Recipient.bounce(email)

        Party.gdpr_erase([bounced], "Demande écrite du 3 mars")
        self.assertEqual(find_strings([email]), [])

        again, = Party.create([{'name': "Nouvelle fiche",
                    'contact_mechanisms': [('create', [
                                {'type': 'email', 'value': email}])]}])
        MarketingEmail.create([{'email': email, 'list_': list_.id}])
        campaign = create_campaign(list_, "Après l'effacement")
        Campaign.queue([campaign])
        self.assertEqual(
            [r.party for r in Campaign(campaign.id).recipients], [other])

    @with_transaction()
    def test_gdpr_rights_reach_mailing_lists(self):
        "Access lists a person's mailing lists; erasure removes them"
        pool = Pool()
        Party = pool.get('party.party')
        MarketingEmail = pool.get('marketing.email')
        SubjectAccess = pool.get(
            'connexion.gdpr.subject_access', type='wizard')
        list_, (party, other) = create_subscribers(2, "Droits")
        email = party.contact_mechanisms[0].value
        with Transaction().set_context(active_model='party.party',
                active_id=party.id, active_ids=[party.id]):
            session_id, _, _ = SubjectAccess.create()
            text = SubjectAccess(session_id).default_start(
                [])['file'].decode('utf-8')
        section = json.loads(text)[MarketingEmail.__names__()['model']]
        self.assertIn(email, json.dumps(section))
        self.assertNotIn(other.contact_mechanisms[0].value, text)

        Party.gdpr_erase([party], "Demande écrite du 3 mars")
        self.assertEqual(find_strings([email]), [])
        self.assertEqual(
            [e.email for e in MarketingEmail.search(
                    [('list_', '=', list_.id)])],
            [other.contact_mechanisms[0].value])

    @with_transaction()
    def test_campaign_consent_filter(self):
        "Only the latest, unexpired, given consent lets a donor in"
        pool = Pool()
        Party = pool.get('party.party')
        Consent = pool.get('connexion.consent')
        Purpose = pool.get('connexion.consent.purpose')
        Campaign = pool.get('connexion.marketing.campaign')
        purpose, = Purpose.search([('code', '=', 'fundraising')])
        today = dt.date.today()
        names = ["Given", "Withdrawn", "Expired", "Future", "Nothing",
            "Given Again", "No Email"]
        parties = {n: p for n, p in zip(names, Party.create([{
                            'name': n,
                            'contact_mechanisms': [('create', [{
                                            'type': 'email',
                                            'value': f'{i}@exemple.test'}])]
                            if n != "No Email" else [],
                            } for i, n in enumerate(names)]))}

        def consent(name, state, days, expiry=None):
            Consent.create([{'party': parties[name].id,
                        'purpose': purpose.id, 'state': state,
                        'date': today - dt.timedelta(days=days),
                        'expiry_date': expiry, 'channel': 'paper'}])
        consent("Given", 'given', 10)
        consent("Withdrawn", 'given', 20)
        consent("Withdrawn", 'withdrawn', 5)
        consent("Expired", 'given', 400, today - dt.timedelta(days=1))
        consent("Future", 'given', -3)
        consent("Given Again", 'withdrawn', 30)
        consent("Given Again", 'given', 2)
        consent("No Email", 'given', 2)
        campaign, = Campaign.create([{
                    'name': "Appel", 'subject': "Appel",
                    'segment': 'category', 'category': 'prospect',
                    'purpose': 'fundraising', 'content': '<p>Bonjour</p>'}])
        Campaign.queue([campaign])
        self.assertEqual(sorted(r.party.name for r in campaign.recipients),
            ["Given", "Given Again"])
        self.assertEqual(campaign.excluded, 5)
        # The bulk query agrees with the consent rule of connexion_asso.
        self.assertEqual(
            sorted(p.name for p in parties.values()
                if p.has_consent('fundraising')),
            ["Given", "Given Again", "No Email"])

        unknown, = Campaign.create([{
                    'name': "Inconnu", 'subject': "Appel",
                    'segment': 'category', 'category': 'donor',
                    'purpose': 'nope', 'content': '<p>Bonjour</p>'}])
        with self.assertRaises(ValidationError):
            Campaign.queue([unknown])
        self.assertEqual(Campaign(unknown.id).state, 'draft')

    @with_transaction()
    def test_volunteer_team_segment(self):
        "A campaign to a team reaches its consenting volunteers only"
        pool = Pool()
        Party = pool.get('party.party')
        Team = pool.get('connexion.team')
        Volunteer = pool.get('connexion.volunteer')
        Campaign = pool.get('connexion.marketing.campaign')
        team, other = Team.create([{'name': "Hôpitaux"}, {'name': "Rêves"}])
        ana, bea, carl = Party.create([{'name': n,
                    'contact_mechanisms': [('create', [{'type': 'email',
                                    'value': f'{n.lower()}@exemple.test'}])]}
                for n in ["Ana", "Bea", "Carl"]])
        Volunteer.create([
                {'party': ana.id, 'teams': [('add', [team.id])]},
                {'party': bea.id, 'teams': [('add', [team.id])]},
                {'party': carl.id, 'teams': [('add', [other.id])]},
                ])
        Party.give_consent([ana, carl], 'newsletter')
        campaign, = Campaign.create([{
                    'name': "Nouvelles", 'subject': "Nouvelles",
                    'segment': 'team', 'team': team.id,
                    'purpose': 'newsletter', 'content': '<p>Bonjour</p>'}])
        Campaign.queue([campaign])
        self.assertEqual([r.party for r in campaign.recipients], [ana])
        self.assertEqual(campaign.excluded, 1)



del ModuleTestCase
