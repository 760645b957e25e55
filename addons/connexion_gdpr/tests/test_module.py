import datetime as dt
import json

from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.smtp import Sink, smtp_server
from ..exceptions import EraseConfirmError
from .tools import find_strings
from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin

NAME = "Bérénice Vauclair"
EMAIL = "berenice.vauclair@exemple.test"
PHONE = "+33 6 47 21 83 95"


def create_person(name=NAME, email=EMAIL, phone=PHONE, street=None):
    "A donor with everything the association may store about her."
    pool = Pool()
    Party = pool.get('party.party')
    Attachment = pool.get('ir.attachment')
    Note = pool.get('ir.note')
    Channel = pool.get('ir.chat.channel')
    MarketingList = pool.get('marketing.email.list')
    MarketingEmail = pool.get('marketing.email')
    party, = Party.create([{
                'name': name,
                'addresses': [('create', [{
                                'street': street or "7 impasse des Glycines",
                                'postal_code': '69004', 'city': "Lyon"}])],
                'contact_mechanisms': [('create', [
                            {'type': 'email', 'value': email},
                            {'type': 'mobile', 'value': phone}])],
                }])
    Attachment.create([{
                'name': f"courrier-{email.split('@')[0]}.txt", 'resource': str(party),
                'data': f"Lettre de {name}".encode()}])
    Note.create([{'resource': str(party),
                'message': f"{name} préfère être appelée le soir"}])
    Channel.post(party, f"Appel de {name} au sujet de son don")
    newsletter, = MarketingList.create([{'name': "Lettre d'information"}])
    MarketingEmail.create([{'email': email, 'list_': newsletter.id}])
    return party


def make_user(login, groups):
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{'login': login, 'name': login.title(),
                'groups': [('add', [ModelData.get_id(*g.split('.'))
                            for g in groups])]}])
    return user


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
    Campaign = Pool().get('connexion.gdpr.campaign')
    campaign, = Campaign.create([{
                'name': name, 'subject': "Merci pour votre soutien",
                'segment': 'list', 'list_': list_.id,
                'content': '<html xmlns:py="http://genshi.edgewall.org/">'
                '<body><p>Bonjour ${name},</p>'
                '<p><a href="https://mille-etoiles.example/don">Donner</a></p>'
                '<p><a href="${preferences_url}">Mes préférences</a></p>'
                '</body></html>'}])
    return campaign


class ConnexionGdprTestCase(
        CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion GDPR module"
    module = 'connexion_gdpr'
    # The donor segments and automations are registered with
    # connexion_donation: activate it so that their models and views are
    # checked too.
    extras = ['connexion_donation']

    @with_transaction()
    def test_campaign_resumes_after_smtp_failure(self):
        "SMTP killed mid-campaign, then resumed: everyone gets one e-mail"
        pool = Pool()
        Campaign = pool.get('connexion.gdpr.campaign')
        list_, parties = create_subscribers(12, "Reprise")
        campaign = create_campaign(list_, "Appel de printemps")
        Campaign.queue([campaign])
        self.assertEqual(len(campaign.recipients), 12)

        first = Sink(kill_after=5)
        with smtp_server(first) as port:
            Campaign.send([campaign])
            # The button queues the sending for the worker (ir.queue).
            self.assertEqual(len(first.messages), 0)
            Campaign.process([campaign])
        campaign = Campaign(campaign.id)
        self.assertEqual(campaign.state, 'sending')
        self.assertTrue(campaign.last_error)
        self.assertIsNone(campaign.sending_report)
        self.assertEqual(len(first.messages), 5)
        self.assertEqual((campaign.sent, campaign.pending), (5, 7))

        second = Sink()
        with smtp_server(second, port):
            Campaign.process([campaign])
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
                self.assertTrue(url.startswith(
                        'https://benevoles.example.org/connexion_gdpr/'), url)

    @with_transaction()
    def test_campaign_excludes_unsubscribed_and_bounced(self):
        "An unsubscribed or bounced donor is not in the next campaign"
        pool = Pool()
        Campaign = pool.get('connexion.gdpr.campaign')
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
        list_, parties = create_subscribers(4, "Retrait")
        first = create_campaign(list_, "Première")
        Campaign.queue([first])
        with smtp_server(Sink()):
            Campaign.send([first])
            Campaign.process([first])
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
        Campaign = pool.get('connexion.gdpr.campaign')
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
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
    def test_erasure_leaves_no_personal_string(self):
        "After erasure, the person's name, e-mail and phone are nowhere"
        pool = Pool()
        Party = pool.get('party.party')
        Erasure = pool.get('connexion.gdpr.erasure')
        party = create_person()
        other = create_person("Gaspard Lemoine", "gaspard@exemple.test",
            "+33 6 98 76 54 32", "3 rue Haute")
        self.assertTrue(find_strings([NAME, EMAIL, "47 21 83 95"]))

        log, = Party.gdpr_erase([party], "Demande écrite du 3 mars")

        self.assertEqual(find_strings(
                [NAME, "Vauclair", EMAIL, "47 21 83 95", "Glycines"]), [])
        # Nobody else is touched.
        self.assertTrue(find_strings(["Gaspard Lemoine"]))
        party = Party(party.id)
        self.assertEqual(party.gdpr_erased, dt.date.today())
        self.assertIn(str(party.id), party.name)
        self.assertEqual(log.party, party)
        self.assertEqual(log.origin, 'request')
        self.assertIn('1', log.done)
        self.assertEqual(Erasure.search([], count=True), 1)
        # Erasing twice changes nothing and logs nothing.
        self.assertEqual(Party.gdpr_erase([party], "Encore"), [])

    @with_transaction()
    def test_erasure_log_names_models_in_user_language(self):
        "The erasure log names the erased records by their translated model"
        pool = Pool()
        Lang = pool.get('ir.lang')
        Party = pool.get('party.party')
        french, = Lang.search([('code', '=', 'fr')])
        Lang.load_translations([french])
        party = create_person()

        with Transaction().set_context(language='fr'):
            log, = Party.gdpr_erase([party], "Demande écrite du 3 mars")
            log = type(log)(log.id)
            self.assertIn("Tiers : 1 enregistrement(s) effacé(s)",
                log.done.splitlines())
            self.assertIn("Adresse de tiers : 1 enregistrement(s) effacé(s)",
                log.done.splitlines())

    @with_transaction()
    def test_receipt_refused_erased_donor(self):
        "No tax receipt is issued to an erased donor, even with a legally "
        "complete association (checked before the donor's mentions)"
        from decimal import Decimal

        from trytond.modules.company.tests import (
            create_company, set_company)

        from connexion_donation.tests.support import legal_association

        from ..exceptions import ErasedPartyError
        pool = Pool()
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            party = create_person()
            Party.gdpr_erase([party], "Demande écrite du 3 mars")
            donation, = Donation.create([{
                        'company': company.id, 'party': party.id,
                        'currency': company.currency.id,
                        'date': dt.date(2025, 2, 1), 'amount': Decimal(20),
                        'payment_method': 'transfer',
                        'state': 'validated'}])
            with self.assertRaises(ErasedPartyError):
                Receipt.issue([[donation]])
            self.assertEqual(Receipt.search([], count=True), 0)

    @with_transaction()
    def test_erasure_needs_forget_permission(self):
        "Only the 'GDPR Erasure' group may erase, and must confirm"
        pool = Pool()
        Party = pool.get('party.party')
        Erase = pool.get('connexion.gdpr.erase', type='wizard')
        party = create_person()
        dpo = make_user('dpo', ['connexion_gdpr.group_gdpr'])
        forget = make_user('forget', [
                'connexion_gdpr.group_gdpr', 'connexion_gdpr.group_gdpr_forget'])

        def run(user, confirm):
            with Transaction().set_user(user.id), Transaction().set_context(
                    active_model='party.party', active_id=party.id,
                    active_ids=[party.id]):
                session_id, _, _ = Erase.create()
                erase = Erase(session_id)
                erase.start.reason = "Demande par e-mail"
                erase.start.confirm = confirm
                erase.transition_erase()

        with self.assertRaises(AccessError):
            run(dpo, True)
        self.assertFalse(Party(party.id).gdpr_erased)
        with self.assertRaises(EraseConfirmError):
            run(forget, False)
        self.assertFalse(Party(party.id).gdpr_erased)
        run(forget, True)
        self.assertTrue(Party(party.id).gdpr_erased)

    @with_transaction()
    def test_subject_access_lists_every_record(self):
        "The export holds the person's contacts, notes, messages, lists"
        pool = Pool()
        SubjectAccess = pool.get('connexion.gdpr.subject_access', type='wizard')
        Report = pool.get('connexion.gdpr.subject_access', type='report')
        party = create_person()
        create_person("Gaspard Lemoine", "gaspard@exemple.test",
            "+33 6 98 76 54 32", "3 rue Haute")
        with Transaction().set_context(active_model='party.party',
                active_id=party.id, active_ids=[party.id], language='fr'):
            session_id, _, _ = SubjectAccess.create()
            wizard = SubjectAccess(session_id)
            values = wizard.default_start([])
            text = values['file'].decode('utf-8')
            data = json.loads(text)
            for string in [NAME, EMAIL, "Glycines", "préfère être appelée",
                    "au sujet de son don", "courrier-berenice.vauclair.txt"]:
                self.assertIn(string, text)
            self.assertNotIn("Gaspard", text)
            self.assertIn(
                pool.get('party.party').__names__()['model'], data)
            ext, content, _, _ = Report.execute([party.id], {})
        self.assertEqual(ext, 'pdf')
        self.assertTrue(content.startswith(b'%PDF'))

    @with_transaction()
    def test_retention_dry_run_then_apply(self):
        "Prospects silent for 3 years are shown, then anonymised on confirm"
        pool = Pool()
        Party = pool.get('party.party')
        Rule = pool.get('connexion.gdpr.retention.rule')
        Erasure = pool.get('connexion.gdpr.erasure')
        Volunteer = pool.get('connexion.volunteer')
        today = dt.date.today()
        old, recent, volunteer = Party.create([
                {'name': "Prospect Ancien",
                    'gdpr_last_contact': today - dt.timedelta(days=4 * 365)},
                {'name': "Prospect Récent",
                    'gdpr_last_contact': today - dt.timedelta(days=365)},
                {'name': "Bénévole Ancien",
                    'gdpr_last_contact': today - dt.timedelta(days=4 * 365)},
                ])
        Volunteer.create([{'party': volunteer.id}])
        rule, = Rule.create([{'name': "Prospects", 'category': 'prospect',
                    'years': 3}])

        (dry_rule, due), = Rule.dry_run()
        self.assertEqual(due, [old])
        self.assertEqual(Erasure.search([], count=True), 0)
        self.assertEqual(Party(old.id).name, "Prospect Ancien")

        logs = Rule.anonymise(due)
        self.assertEqual([l.party for l in logs], [old])
        self.assertEqual(logs[0].origin, 'retention')
        self.assertTrue(Party(old.id).gdpr_erased)
        self.assertEqual(Party(recent.id).name, "Prospect Récent")
        self.assertEqual(Party(volunteer.id).name, "Bénévole Ancien")
        self.assertEqual(Rule.dry_run(), [(rule, [])])

        with self.assertRaises(ValidationError):
            Rule.create([{'name': "Zéro", 'category': 'donor', 'years': 0}])

    @with_transaction()
    def test_register_access(self):
        "Staff read the register; only the GDPR officer changes it"
        pool = Pool()
        Processing = pool.get('connexion.gdpr.processing')
        Erasure = pool.get('connexion.gdpr.erasure')
        Processing.create([{'code': 'T01', 'name': "Donateurs",
                    'purpose': "Reçus", 'legal_basis': 'legitimate_interest',
                    'data_categories': "Identité", 'retention': "6 ans",
                    'security_measures': "Droits par équipe"}])
        staff = make_user('collecte', ['connexion_asso.group_team_fundraising'])
        dpo = make_user('dpo', ['connexion_gdpr.group_gdpr'])
        volunteer = make_user('benevole', ['connexion_asso.group_volunteer'])
        with Transaction().set_context(_check_access=True):
            with Transaction().set_user(staff.id):
                processing, = Processing.search([])
                with self.assertRaises(AccessError):
                    Processing.write([processing], {'name': "Autre"})
                with self.assertRaises(AccessError):
                    Erasure.search([])
            with Transaction().set_user(volunteer.id):
                with self.assertRaises(AccessError):
                    Processing.search([])
            with Transaction().set_user(dpo.id):
                processing, = Processing.search([])
                Processing.write([processing], {'name': "Dons"})
                Erasure.search([])
        with self.assertRaises(Exception):
            Processing.create([{'code': 'T01', 'name': "Doublon",
                        'purpose': "x", 'legal_basis': 'consent',
                        'data_categories': "x", 'retention': "x",
                        'security_measures': "x"}])

    @with_transaction()
    def test_campaign_consent_filter(self):
        "Only the latest, unexpired, given consent lets a donor in"
        pool = Pool()
        Party = pool.get('party.party')
        Consent = pool.get('connexion.consent')
        Purpose = pool.get('connexion.consent.purpose')
        Campaign = pool.get('connexion.gdpr.campaign')
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
        Campaign = pool.get('connexion.gdpr.campaign')
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
