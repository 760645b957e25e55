import datetime as dt
import json

from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..exceptions import EraseConfirmError
from .tools import find_strings
from connexion_asso.tests.access import make_user
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
    return party


class ConnexionGdprTestCase(
        CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion GDPR module"
    module = 'connexion_gdpr'
    # The donors' records (retention, last contact) are registered with
    # connexion_donation (and connexion_donation_sepa for the direct
    # debits), their receipts with connexion_tax_receipt, the members'
    # with connexion_membership: activate them so that their models and
    # views are checked too.
    extras = ['connexion_donation', 'connexion_donation_sepa',
        'connexion_tax_receipt',
        'connexion_membership']

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

        from connexion_tax_receipt.tests.support import legal_association

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
        dpo = make_user('dpo', 'connexion_gdpr.group_gdpr')
        forget = make_user('forget',
            'connexion_gdpr.group_gdpr', 'connexion_gdpr.group_gdpr_forget')

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
        "The export holds the person's contacts, notes, messages"
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
        staff = make_user('collecte', 'connexion_asso.group_team_fundraising')
        dpo = make_user('dpo', 'connexion_gdpr.group_gdpr')
        volunteer = make_user('benevole', 'connexion_asso.group_volunteer')
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


del ModuleTestCase
