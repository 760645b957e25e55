"""Retention: categories computed from the records, last contact from the
person recorded on each event, a purge that never ends a running
relationship and is always shown before it acts."""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.model.modelview import AccessButtonError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.access import make_user
from connexion_tax_receipt.tests.support import legal_association

YEAR = dt.timedelta(days=365)


def years_ago(years, today=None):
    return (today or dt.date.today()) - years * YEAR


def old_party(name, years=5, address=False):
    """A person created long ago with no contact since (as imported), with
    a postal address (needed for a tax receipt) when address."""
    pool = Pool()
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    party, = Party.create([{'name': name, 'addresses': [('create', [{
                            'street': "1 rue Basse", 'postal_code': '21000',
                            'city': "Dijon"}])] if address else []}])
    table = Party.__table__()
    when = dt.datetime.combine(years_ago(years), dt.time())
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.update(
            [table.create_date], [when], where=table.id == party.id))
    address_table = Address.__table__()
    cursor.execute(*address_table.update(
            [address_table.create_date], [when],
            where=address_table.party == party.id))
    return Party(party.id)


def gift(company, party, date, **values):
    "A gift in kind (not posted: no chart needed), still a draft."
    pool = Pool()
    Donation = pool.get('connexion.donation')
    Config = pool.get('connexion.donation.configuration')
    Config.write([Config(1)], {'in_kind_posting': False})
    donation, = Donation.create([dict({
                    'company': company.id, 'party': party.id,
                    'currency': company.currency.id, 'date': date,
                    'amount': Decimal(50), 'nature': 'in_kind',
                    'in_kind_description': "Jouets"}, **values)])
    return donation


def membership(company, party, start, **values):
    pool = Pool()
    Type = pool.get('connexion.membership.type')
    Membership = pool.get('connexion.membership')
    type_, = Type.search([('name', '=', "Adhésion test")]) or Type.create(
        [{'name': "Adhésion test", 'fee': Decimal(0)}])
    record, = Membership.create([dict({
                    'company': company.id, 'party': party.id,
                    'type': type_.id, 'start_date': start,
                    'end_date': dt.date(start.year, 12, 31), 'date': start,
                    'amount': Decimal(0), 'currency': company.currency.id,
                    'payment_method': 'cash'}, **values)])
    return record


def mandate(company, party, signature_date, index=1, state='draft'):
    "A SEPA mandate of the party on a fictional bank account."
    pool = Pool()
    Party = pool.get('party.party')
    Bank = pool.get('bank')
    BankAccount = pool.get('bank.account')
    Mandate = pool.get('account.payment.sepa.mandate')
    Address = pool.get('party.address')
    from connexion_donation_sepa.demo import fictional_iban
    bank_party, = Party.create([{'name': f"Banque {index}"}])
    bank, = Bank.create([{'party': bank_party.id}])
    account, = BankAccount.create([{'bank': bank.id,
                'owners': [('add', [party.id])],
                'numbers': [('create', [{'type': 'iban',
                                'number': fictional_iban(500 + index)}])]}])
    address, = Address.create([{'party': party.id, 'street': "1 rue Basse",
                'postal_code': '21000', 'city': "Dijon"}])
    record, = Mandate.create([{'company': company.id, 'party': party.id,
                'address': address.id,
                'account_number': account.numbers[0].id,
                'identification': f'RUM-TEST-{index:04d}',
                'type': 'recurrent', 'signature_date': signature_date,
                'state': state}])
    return record


class RetentionTestCase(ModuleTestCase):
    "Retention rules, categories and last contact"
    module = 'connexion_gdpr'
    extras = ['connexion_donation', 'connexion_donation_sepa',
        'connexion_dreams', 'connexion_tax_receipt', 'connexion_membership']

    @with_transaction()
    def test_category_computed(self):
        "The category follows the person's records, searchable, not typed"
        pool = Pool()
        Party = pool.get('party.party')
        Volunteer = pool.get('connexion.volunteer')
        Hospital = pool.get('connexion.hospital')
        Contact = pool.get('connexion.hospital.contact')
        company = create_company()
        with set_company(company):
            prospect, donor, member, volunteer, both, nurse = Party.create([
                    {'name': n} for n in ["Prospect", "Donatrice",
                        "Adhérent", "Bénévole", "Bénévole donatrice",
                        "Infirmière"]])
            gift(company, donor, dt.date.today())
            gift(company, both, dt.date.today())
            membership(company, member, dt.date.today())
            Volunteer.create([{'party': volunteer.id},
                    {'party': both.id}])
            hospital_party, = Party.create([{'name': "CHU Fictif"}])
            hospital, = Hospital.create([{'party': hospital_party.id}])
            Contact.create([{'hospital': hospital.id, 'party': nurse.id,
                        'role': 'nurse'}])

            self.assertEqual(
                [p.gdpr_category for p in Party.browse([prospect, donor,
                            member, volunteer, both, nurse,
                            hospital_party])],
                ['prospect', 'donor', 'member', 'volunteer', 'donor',
                    'hospital_contact', 'partner'])
            self.assertEqual(Party.search([
                        ('gdpr_category', '=', 'donor')], order=[
                        ('id', 'ASC')]), [donor, both])
            self.assertEqual(Party.search([
                        ('gdpr_category', '=', 'volunteer')]), [volunteer])
            self.assertIn(prospect, Party.search([
                        ('gdpr_category', '=', 'prospect')]))
            self.assertNotIn(donor, Party.search([
                        ('gdpr_category', 'in', ['prospect', 'member'])]))
            self.assertIn(nurse, Party.search([
                        ('gdpr_category', '!=', 'donor')]))
            self.assertTrue(Party.gdpr_category.readonly)

    @with_transaction()
    def test_last_contact_recorded(self):
        "A gift, a paid fee, a mandate, a portal login, a consent: contact"
        pool = Pool()
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        Membership = pool.get('connexion.membership')
        Mandate = pool.get('account.payment.sepa.mandate')
        WebUser = pool.get('web.user')
        today = dt.date.today()
        company = create_company()
        with set_company(company):
            donor, member, signer, user, consenting = Party.create([
                    {'name': n} for n in ["Donatrice", "Adhérent",
                        "Signataire", "Bénévole du portail", "Abonnée"]])
            donation = gift(company, donor, today - dt.timedelta(days=10))
            self.assertIsNone(Party(donor.id).gdpr_last_contact)
            Donation.validate_donation([donation])
            self.assertEqual(Party(donor.id).gdpr_last_contact,
                today - dt.timedelta(days=10))
            # An older gift keyed in later does not move the date back.
            older = gift(company, donor, today - dt.timedelta(days=40))
            Donation.validate_donation([older])
            self.assertEqual(Party(donor.id).gdpr_last_contact,
                today - dt.timedelta(days=10))

            fee = membership(company, member, today - dt.timedelta(days=3))
            self.assertIsNone(Party(member.id).gdpr_last_contact)
            Membership.validate_membership([fee])
            self.assertEqual(Party(member.id).gdpr_last_contact,
                today - dt.timedelta(days=3))

            record = mandate(company, signer, today - dt.timedelta(days=5))
            Mandate.request([record])
            Mandate.validate_mandate([record])
            self.assertEqual(Party(signer.id).gdpr_last_contact,
                today - dt.timedelta(days=5))

            web_user, = WebUser.create([{'email': 'portail@exemple.test',
                        'party': user.id}])
            self.assertIsNone(Party(user.id).gdpr_last_contact)
            web_user.new_session()
            self.assertEqual(Party(user.id).gdpr_last_contact, today)

            Party.give_consent([consenting], 'newsletter', channel='portal',
                proof="Case cochée")
            self.assertEqual(Party(consenting.id).gdpr_last_contact, today)

    @with_transaction()
    def test_retention_spares_running_relationships(self):
        "A running plan, an unreceipted gift or recent activity: kept"
        pool = Pool()
        Party = pool.get('party.party')
        Rule = pool.get('connexion.gdpr.retention.rule')
        Plan = pool.get('connexion.donation.plan')
        Receipt = pool.get('connexion.donation.receipt')
        today = dt.date.today()
        company = create_company()
        with set_company(company):
            Rule.create([
                    {'name': "Donateurs", 'category': 'donor', 'years': 3},
                    {'name': "Adhérents", 'category': 'member', 'years': 3},
                    {'name': "Prospects", 'category': 'prospect',
                        'years': 3},
                    ])
            legal_association()
            lapsed = old_party("Donateur perdu", address=True)
            receipted = gift(company, lapsed, years_ago(5),
                state='validated')
            Receipt.issue([[receipted]])
            unreceipted = old_party("Sans reçu")
            gift(company, unreceipted, years_ago(5), state='validated')
            recent = old_party("Don récent", address=True)
            old = gift(company, recent, years_ago(5), state='validated')
            new = gift(company, recent, years_ago(1), state='validated')
            Receipt.issue([[old], [new]])
            debtor = old_party("Prélevé")
            Plan.create([{'company': company.id, 'party': debtor.id,
                        'amount': Decimal(10), 'currency': company.currency.id,
                        'start_date': years_ago(5),
                        'mandate': mandate(company, debtor, years_ago(5),
                            state='validated').id,
                        'state': 'running'}])
            member = old_party("Adhérent récent")
            membership(company, member, years_ago(2), state='validated')
            silent = old_party("Prospect silencieux")
            young = old_party("Prospect récent", years=1)

            due = {r.category: d for r, d in Rule.dry_run()}
            self.assertEqual(due['donor'], [lapsed])
            self.assertEqual(due['member'], [])
            self.assertEqual(due['prospect'], [silent])
            self.assertNotIn(young, due['prospect'])
            self.assertEqual(Party(debtor.id).gdpr_category, 'donor')

    @with_transaction()
    def test_purge_is_proposed_then_confirmed(self):
        "The daily task only proposes; a person confirms each anonymisation"
        pool = Pool()
        Party = pool.get('party.party')
        Rule = pool.get('connexion.gdpr.retention.rule')
        Proposal = pool.get('connexion.gdpr.retention.proposal')
        Erasure = pool.get('connexion.gdpr.erasure')
        DryRun = pool.get('connexion.gdpr.retention.dry_run', type='wizard')
        Rule.create([{'name': "Prospects", 'category': 'prospect',
                    'years': 3}])
        silent = old_party("Prospect Ancien")
        talking = old_party("Prospect Bavard")
        other = old_party("Prospect Oublié")
        recent = old_party("Prospect Récent", years=1)

        proposals = Rule.propose()
        self.assertEqual(sorted(p.party.name for p in proposals),
            ["Prospect Ancien", "Prospect Bavard", "Prospect Oublié"])
        self.assertEqual(Rule.propose(), [])  # not proposed twice
        self.assertEqual(Erasure.search([], count=True), 0)
        self.assertEqual(Party(silent.id).name, "Prospect Ancien")

        # The wizard lists first and anonymises only what it listed.
        session_id, _, _ = DryRun.create()
        with Transaction().set_context(active_model='ir.ui.menu'):
            wizard = DryRun(session_id)
            values = wizard.default_start([])
        self.assertIn("Prospect Ancien", values['report'])
        self.assertNotIn("Prospect Récent", values['report'])
        self.assertEqual(set(values['parties']),
            {silent.id, talking.id, other.id})

        # One of them writes back before anyone confirms.
        Party.gdpr_record_contact([(talking, dt.date.today())])
        clerk = make_user('clerk', 'connexion_gdpr.group_gdpr')
        by_name = {p.party.name: p for p in Proposal.search([])}
        with Transaction().set_user(clerk.id):
            with self.assertRaises(AccessError):
                Proposal.anonymise([by_name["Prospect Ancien"]])
            with Transaction().set_context(_check_access=True), \
                    self.assertRaises(AccessButtonError):
                Proposal.anonymise([by_name["Prospect Ancien"]])
        Proposal.anonymise([by_name["Prospect Ancien"],
                by_name["Prospect Bavard"]])
        Proposal.discard([by_name["Prospect Oublié"]])
        self.assertEqual([(p.party.id, p.state) for p in Proposal.search(
                        [], order=[('party', 'ASC')])],
            [(silent.id, 'done'), (talking.id, 'obsolete'),
                (other.id, 'discarded')])
        self.assertEqual(Party(talking.id).name, "Prospect Bavard")
        self.assertEqual(Party(other.id).name, "Prospect Oublié")
        self.assertEqual(Party(recent.id).name, "Prospect Récent")
        log, = Erasure.search([])
        self.assertEqual((log.party, log.origin), (silent, 'retention'))
        # A discarded proposal is not proposed again the next day.
        self.assertEqual(Rule.propose(), [])


del ModuleTestCase
