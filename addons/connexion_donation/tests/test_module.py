import datetime as dt
import io
import subprocess
import unittest
from decimal import Decimal

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, TransactionError

from ..words import amount_to_words
from ..exceptions import (
    ReceiptCancelError, ReceiptedError, ReceiptFrozenError,
    ReceiptRefusedError)
from .support import (
    Mailbox, annual_receipts, donor_address, legal_association,
    loopback_smtp)
from connexion_asso.exceptions import WorkflowDeleteError
from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin
from connexion_asso.tests.worker import as_task


def create_validated_donations(company, count):
    "Validated gifts without move: enough to issue receipts."
    pool = Pool()
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    legal_association()
    party, = Party.create([{'name': "Armelle Dujardin",
                'addresses': donor_address()}])
    return Donation.create([{
                'company': company.id, 'party': party.id,
                'currency': company.currency.id,
                'date': dt.date(2025, 1, 1 + i),
                'amount': Decimal(10 + i), 'payment_method': 'transfer',
                'state': 'validated'} for i in range(count)])


def create_company_gift(company, **values):
    """A validated gift of a company donor with its SIREN and legal form
    (a CERFA 16216 receipt)."""
    pool = Pool()
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    legal_association()
    bakery, = Party.create([{'name': "Boulangerie du Four",
                'donor_type': 'company', 'legal_form': "SARL",
                'identifiers': [('create', [{
                                'type': 'fr_siren', 'code': '732829320'}])],
                'addresses': donor_address("9 rue du Four")}])
    donation, = Donation.create([dict({
                    'company': company.id, 'party': bakery.id,
                    'donor_type': 'company', 'currency': company.currency.id,
                    'date': dt.date(2025, 5, 2), 'amount': Decimal(500),
                    'payment_method': 'transfer', 'state': 'validated'},
                **values)])
    return donation


def pdftotext(content):
    "The text of a PDF as poppler's pdftotext extracts it (layout kept)."
    return subprocess.run(['pdftotext', '-layout', '-', '-'], input=content,
        capture_output=True, check=True).stdout.decode()


def issue_in_new_transaction(donation_id, then=None):
    """Issue a receipt in a transaction of its own, retried as trytond's
    dispatcher does; `then(number)` runs before the transaction ends."""
    pool = Pool()
    Receipt = pool.get('connexion.donation.receipt')
    Donation = pool.get('connexion.donation')
    extras = {}
    while True:
        with Transaction().new_transaction(**extras) as transaction:
            try:
                receipt, = Receipt.issue([[Donation(donation_id)]])
            except TransactionError as e:
                transaction.rollback()
                e.fix(extras)
                continue
            number = receipt.number
            if then:
                then(number)
            transaction.commit()
            return number


def make_user(login, group, company):
    "A user of one group of connexion_asso (a team, or portal volunteers)."
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{'login': login, 'name': login.title(),
                'companies': [('add', [company.id])], 'company': company.id,
                'groups': [('add', [
                            ModelData.get_id('connexion_asso', group)])]}])
    return user


def pdf_text(content):
    from pypdf import PdfReader
    return ' '.join(' '.join(p.extract_text().split())
        for p in PdfReader(io.BytesIO(content)).pages)


# Mandatory mentions of a tax receipt, with their source (see
# /work/shared/domain-notes.md): CERFA 11580*05 (form 2041-RD) for
# individuals, CERFA 16216*02 (form 2041-MEC-SD) for companies, art. 200,
# 238 bis and 1740 A of the CGI, BOI-IR-RICI-250-30.
COMMON_MENTIONS = [
    ("Numéro d'ordre du reçu", "unique order number (CERFA header)"),
    ("Bénéficiaire des versements", "beneficiary block (CERFA)"),
    ("Nom ou dénomination : Association Les Cerfs-Volants",
        "beneficiary name (CERFA)"),
    ("Adresse : 3 quai des Brumes, 69002 Lyon",
        "beneficiary address (CERFA)"),
    ("Numéro RNA : W691000042",
        "beneficiary SIREN or RNA (CERFA 11580*05, 16216)"),
    ("Objet : Réaliser les rêves d'enfants gravement malades",
        "objet social, explicit (CERFA; BOI-IR-RICI-250-30)"),
    ("Qualité de l'organisme : œuvre ou organisme d'intérêt général",
        "quality of the organisation, the one it has (CERFA boxes; "
        "art. 200 and 238 bis CGI)"),
    ("***", "amount in figures framed by asterisks when printed by a "
        "computer (BOI-IR-RICI-250-30)"),
    ("€***", "amount in euros, framed"),
    ("Somme en toutes lettres :", "amount in words (CERFA)"),
    ("Le bénéficiaire certifie sur l'honneur que les dons et versements "
        "qu'il reçoit ouvrent droit à la réduction d'impôt",
        "certification (CERFA)"),
    ("Forme du don :", "forme: acte authentique, sous seing privé, don "
        "manuel, autre (CERFA)"),
    ("Nature du don :", "nature: numéraire, titres, autres, abandons "
        "(CERFA)"),
    ("Mode de versement du don :", "mode de versement: espèces, chèque, "
        "virement/prélèvement/carte (CERFA)"),
    ("Odile Marchetti, Trésorière", "signatory, an authorised person "
        "(CERFA; BOI-IR-RICI-250-30)"),
    ]
DONOR_MENTIONS = {
    'individual': [
        ("N° 11580*05", "form of individuals: CERFA 11580*05 (2041-RD)"),
        ("Reçu au titre des dons à certains organismes",
            "title of CERFA 11580*05"),
        ("Nom et prénoms : Armelle Dujardin", "donor's name (CERFA)"),
        ("Adresse : 1 rue Haute, 21000 Dijon",
            "donor's full address (CERFA)"),
        ("☒ 200 du CGI", "reduction of art. 200 CGI (income tax)"),
        ],
    'company': [
        ("N° 16216*02", "form of companies: CERFA 16216 (2041-MEC-SD), "
            "version 02"),
        ("Reçu des dons et versements effectués par",
            "title of CERFA 16216"),
        ("Dénomination : Boulangerie du Four", "company's name (CERFA 16216)"),
        ("Forme juridique : SARL", "company's legal form (CERFA 16216)"),
        ("SIREN : 732829320", "company's SIREN (CERFA 16216)"),
        ("Adresse : 9 rue du Four, 21000 Dijon",
            "company's address (CERFA 16216)"),
        ("☒ 238 bis du CGI", "reduction of art. 238 bis CGI"),
        ],
    }
KIND_MENTIONS = {
    'gift': [
        ("Date du versement ou du don : 01/01/2025",
            "date of the gift (CERFA)"),
        ("☒ Déclaration de don manuel", "forme (CERFA)"),
        ("☒ Numéraire", "nature (CERFA)"),
        ("☒ Virement, prélèvement, carte bancaire", "mode (CERFA)"),
        ],
    'annual': [
        ("Reçu récapitulatif des dons versés du 01/01/2025 au 03/01/2025",
            "period of a summary receipt (BOI-IR-RICI-250-30)"),
        ],
    'company': [
        ("Date du versement ou du don : 02/05/2025",
            "date of the gift (CERFA 16216)"),
        ],
    'in_kind': [
        ("☒ Autres (don en nature)", "nature (CERFA)"),
        ("Description des biens donnés et méthode de valorisation : "
            "Jouets neufs", "goods and their valuation (CERFA)"),
        ],
    'expense_waiver': [
        ("☒ Frais engagés par les bénévoles dont ils renoncent "
            "expressément au remboursement", "nature (CERFA 11580*05)"),
        ],
    'cancelled': [
        ("ANNULÉ", "a cancelled receipt is kept and marked "
            "(domain-notes: cancel and replace)"),
        ("Motif : Nom mal orthographié", "reason of the cancellation"),
        ("Remplacé par le reçu n°", "the receipt replacing it"),
        ],
    'replacement': [
        ("Ce reçu annule et remplace le reçu n°",
            "the replacement names the receipt it replaces"),
        ],
    }


class DonationTestCase(CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Donation module"
    module = 'connexion_donation'

    def test_amount_to_words(self):
        "Amounts are written in words as French accountants do"
        for amount, words in [
                ('1', "un euro"),
                ('21', "vingt et un euros"),
                ('71', "soixante et onze euros"),
                ('80', "quatre-vingts euros"),
                ('91.50', "quatre-vingt-onze euros et cinquante centimes"),
                ('200', "deux cents euros"),
                ('280000', "deux cent quatre-vingt mille euros"),
                ('1000000', "un million d'euros"),
                ('1250.01', "mille deux cent cinquante euros et un centime"),
                ]:
            with self.subTest(amount=amount):
                self.assertEqual(amount_to_words(Decimal(amount)), words)

    @with_transaction()
    def test_receipt_numbers_follow(self):
        "Receipts of a year are numbered 1, 2, 3 and restart each year"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            d1, d2, d3 = create_validated_donations(company, 3)
            r1, r2 = Receipt.issue([[d1], [d2]], date=dt.date(2025, 12, 31))
            r3, = Receipt.issue([[d3]], date=dt.date(2026, 1, 2))
        self.assertEqual([r1.number, r2.number, r3.number],
            ['2025-00001', '2025-00002', '2026-00001'])

    @with_transaction()
    def test_receipt_frozen(self):
        "An issued receipt cannot be changed, deleted nor duplicated"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Donation = pool.get('connexion.donation')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            receipt, = Receipt.issue([[donation]])
            with self.assertRaises(ReceiptFrozenError):
                Receipt.write([receipt], {'amount': Decimal(1)})
            with self.assertRaises(ReceiptFrozenError):
                Receipt.delete([receipt])
            with self.assertRaises(ReceiptFrozenError):
                Receipt.copy([receipt])
            with self.assertRaises(ReceiptedError):
                Donation.write([donation], {'amount': Decimal(1)})
            with self.assertRaises(ReceiptedError):
                Donation.cancel([donation])
            with self.assertRaises(WorkflowDeleteError):
                Donation.delete([donation])
            Receipt.write([receipt], {'cancel_reason': "Montant erroné"})
            Receipt.cancel([receipt])
            # Released by the cancellation, the gift can be corrected.
            Donation.write([donation], {'amount': Decimal(1)})

    @with_transaction()
    def test_receipt_refused_without_quality(self):
        "No receipt from an association neither of general interest nor "
        "recognised of public utility; the quality set is the one printed"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            legal_association(general_interest=False, public_utility=False)
            with self.assertRaises(ReceiptRefusedError) as cm:
                Receipt.issue([[donation]])
            self.assertIn("general interest", cm.exception.message)
            self.assertIn("public utility", cm.exception.message)
            self.assertIsNone(donation.receipt)

            legal_association(general_interest=True)
            receipt, = Receipt.issue([[donation]])
            text = pdf_text(Receipt.render_pdf([receipt.id]))
        self.assertIn("Qualité de l'organisme : œuvre ou organisme "
            "d'intérêt général", text)
        self.assertNotIn("utilité publique", text)

    @with_transaction()
    def test_receipt_refused_public_utility_without_decree(self):
        "Public utility needs its decree date and Journal officiel "
        "reference, printed on the receipt"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            legal_association(general_interest=False, public_utility=True)
            with self.assertRaises(ReceiptRefusedError) as cm:
                Receipt.issue([[donation]])
            self.assertIn("decree", cm.exception.message)
            legal_association(
                public_utility_decree_date=dt.date(1998, 3, 12))
            with self.assertRaises(ReceiptRefusedError):
                Receipt.issue([[donation]])
            legal_association(public_utility_journal="JO du 19/03/1998")
            receipt, = Receipt.issue([[donation]])
            text = pdf_text(Receipt.render_pdf([receipt.id]))
        self.assertIn("Qualité de l'organisme : association ou fondation "
            "reconnue d'utilité publique par décret en date du 12/03/1998, "
            "publié au Journal officiel : JO du 19/03/1998", text)
        self.assertNotIn("œuvre ou organisme d'intérêt général", text)

    @with_transaction()
    def test_receipt_refused_incomplete_address(self):
        "No receipt to a donor without a complete postal address"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            party = donation.party
            address, = party.addresses
            Address.write([address], {'postal_code': None})
            with self.assertRaises(ReceiptRefusedError) as cm:
                Receipt.issue([[donation]])
            self.assertIn("Armelle Dujardin", cm.exception.message)
            self.assertIn("Postal Code", cm.exception.message)
            self.assertNotIn("City", cm.exception.message)
            Address.delete([address])
            with self.assertRaises(ReceiptRefusedError) as cm:
                Receipt.issue([[donation]])
            self.assertIn("Street", cm.exception.message)
            self.assertIn("City", cm.exception.message)
            Party.write([party], {'addresses': donor_address()})
            receipt, = Receipt.issue([[donation]])
        self.assertIn("21000 Dijon", receipt.donor_address)

    @with_transaction()
    def test_receipt_refused_company_without_siren(self):
        "A company donor needs its SIREN and legal form, both printed"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        company = create_company()
        with set_company(company):
            legal_association()
            bakery, = Party.create([{'name': "Boulangerie du Four",
                        'donor_type': 'company',
                        'addresses': donor_address("9 rue du Four")}])
            donation, = Donation.create([{
                        'company': company.id, 'party': bakery.id,
                        'donor_type': 'company',
                        'currency': company.currency.id,
                        'date': dt.date(2025, 5, 2), 'amount': Decimal(500),
                        'payment_method': 'transfer',
                        'state': 'validated'}])
            with self.assertRaises(ReceiptRefusedError) as cm:
                Receipt.issue([[donation]])
            self.assertIn("SIREN", cm.exception.message)
            self.assertIn("Legal Form", cm.exception.message)
            Party.write([bakery], {'legal_form': "SARL"})
            with self.assertRaises(ReceiptRefusedError) as cm:
                Receipt.issue([[donation]])
            self.assertNotIn("Legal Form", cm.exception.message)
            Party.write([bakery], {'identifiers': [('create', [{
                                'type': 'fr_siren', 'code': '732829320'}])]})
            receipt, = Receipt.issue([[donation]])
            text = pdf_text(Receipt.render_pdf([receipt.id]))
        self.assertIn("Forme juridique : SARL", text)
        self.assertIn("SIREN : 732829320", text)

    @with_transaction()
    def test_receipt_latest_siren(self):
        "Issue and print take the same SIREN: the donor's latest identifier"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            donation = create_company_gift(company)
            Party.write([donation.party], {'identifiers': [('create', [{
                                'type': 'fr_siren', 'code': '552100554'}])]})
            receipt, = Receipt.issue([[donation]])
            self.assertEqual(receipt.donor_siren, '552100554')
            # A receipt stored without it prints the donor's SIREN of now.
            table = Receipt.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update([table.donor_siren], [None],
                    where=table.id == receipt.id))
            text = pdf_text(Receipt.render_pdf([receipt.id]))
        self.assertIn("SIREN : 552100554", text)

    @with_transaction()
    def test_receipt_reprint_unchanged(self):
        "A receipt reprints the same after every setting it prints changed "
        "(association, rates and ceiling, signatory, donor)"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        Config = pool.get('connexion.donation.configuration')
        company = create_company()
        with set_company(company):
            configuration = Config(1)
            configuration.difficulty_assistance = True
            configuration.difficulty_ceiling = Decimal(1000)
            configuration.save()
            donation, = create_validated_donations(company, 1)
            gift = create_company_gift(company)
            receipts = Receipt.issue([[donation], [gift]])
            ids = [r.id for r in receipts]
            before = pdftotext(Receipt.render_pdf(ids))

            legal_association(name="Association Nouveau Nom",
                street="99 avenue Neuve", postal_code='75011', city="Paris",
                rna='W751000001', siren='823456785',
                purpose="Un autre objet", general_interest=False,
                public_utility=True,
                public_utility_decree_date=dt.date(2020, 1, 2),
                public_utility_journal="JO du 05/01/2020",
                signatory_name="Nouveau Signataire",
                signatory_function="Président")
            configuration = Config(1)
            configuration.rate_individual = Decimal(70)
            configuration.rate_company = Decimal(50)
            configuration.rate_difficulty = Decimal(80)
            configuration.difficulty_ceiling = Decimal(2000)
            configuration.save()
            for party in [donation.party, gift.party]:
                Party.write([party], {'name': "Nom Changé",
                        'legal_form': "SA"})
                Address.write(list(party.addresses), {
                        'street': "1 rue Changée", 'city': "Brest",
                        'postal_code': '29200'})
            Identifier.write(list(gift.party.identifiers),
                {'code': '552008443'})
            after = pdftotext(Receipt.render_pdf(ids))
        self.assertEqual(after, before)
        for old in ["Association Les Cerfs-Volants", "3 quai des Brumes",
                "W691000042", "Réaliser les rêves", "Armelle Dujardin",
                "1 rue Haute", "Odile Marchetti, Trésorière",
                "75 % dans la limite de 1 000 €", "SIREN : 732829320",
                "Forme juridique : SARL", "œuvre ou organisme"]:
            self.assertIn(old, before)
        for new in ["Nouveau", "Changé", "SA\n", "552008443", "70 %",
                "2 000 €", "utilité publique par décret"]:
            self.assertNotIn(new, after)

    @with_transaction()
    def test_receipt_cancel_replace_traceable(self):
        "Cancelling needs a reason; the cancelled receipt reprints marked "
        "ANNULÉ with its date and reason, the replacement names it"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            old, = Receipt.issue([[donation]], date=dt.date(2025, 2, 1))
            with self.assertRaises(ReceiptCancelError) as cm:
                Receipt.replace([old])
            self.assertIn(old.number, cm.exception.message)
            with self.assertRaises(ReceiptCancelError):
                Receipt.cancel([old])
            self.assertEqual(Receipt(old.id).state, 'issued')

            Receipt.write([old], {'cancel_reason': "Adresse erronée"})
            Receipt.replace([old])
            old = Receipt(old.id)
            new = old.replaced_by
            self.assertEqual(old.state, 'cancelled')
            self.assertEqual(old.cancel_date, Date.today())
            self.assertEqual(new.replaces, old)
            self.assertEqual(donation.receipt, new)
            with self.assertRaises(ReceiptFrozenError):
                Receipt.write([new], {'cerfa': '11580*04'})
            old_text = ' '.join(pdftotext(
                    Receipt.render_pdf([old.id])).split())
            new_text = ' '.join(pdftotext(
                    Receipt.render_pdf([new.id])).split())
        today = Date.today().strftime('%d/%m/%Y')
        self.assertIn("ANNULÉ", old_text)
        self.assertIn(f"Reçu annulé le {today}. Motif : Adresse erronée",
            old_text)
        self.assertIn(f"Remplacé par le reçu n° {new.number} du {today}",
            old_text)
        self.assertNotIn("ANNULÉ", new_text)
        self.assertIn(f"Ce reçu annule et remplace le reçu n° {old.number} "
            "du 01/02/2025", new_text)

    @with_transaction()
    def test_receipt_company_cerfa(self):
        "Company receipts print the CERFA in force, 16216*02 (2041-MEC-SD)"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            receipt, = Receipt.issue([[create_company_gift(company)]])
            text = pdftotext(Receipt.render_pdf([receipt.id]))
        self.assertEqual(receipt.cerfa, '16216*02')
        self.assertIn("N° 16216*02", text)

    @with_transaction()
    def test_receipt_rates_dated(self):
        "Each gift gets the ceiling in force on its date (1,000 € then "
        "2,000 € from the editable date); a yearly receipt spanning both "
        "says so; companies 60 %, without the 40 % above 2 M€ for such "
        "organisations"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Donation = pool.get('connexion.donation')
        Config = pool.get('connexion.donation.configuration')
        company = create_company()
        with set_company(company):
            configuration = Config(1)
            configuration.difficulty_assistance = True
            configuration.save()
            first, = create_validated_donations(company, 1)
            party = first.party

            def gift(date):
                donation, = Donation.create([{
                            'company': company.id, 'party': party.id,
                            'currency': company.currency.id, 'date': date,
                            'amount': Decimal(50),
                            'payment_method': 'check',
                            'state': 'validated'}])
                return donation
            before, after = gift(dt.date(2025, 10, 13)), gift(
                dt.date(2025, 10, 14))
            r_before, r_after = Receipt.issue([[before], [after]])
            annual, = Receipt.issue([[first, gift(dt.date(2025, 11, 2))]],
                kind='annual')
            configuration = Config(1)
            configuration.difficulty_ceiling_date = dt.date(2025, 10, 15)
            configuration.save()
            r_moved, = Receipt.issue([[gift(dt.date(2025, 10, 14))]])
            r_company, = Receipt.issue([[create_company_gift(company)]])
            text = ' '.join(pdftotext(
                    Receipt.render_pdf([annual.id])).split())
        self.assertEqual(r_before.rate_text, "75 % dans la limite de "
            "1 000 €, puis 66 % dans la limite de 20 % du revenu imposable "
            "(article 200 du CGI)")
        self.assertIn("75 % dans la limite de 2 000 €, puis 66 %",
            r_after.rate_text)
        self.assertIn("75 % dans la limite de 1 000 € pour les dons "
            "jusqu'au 13/10/2025 et de 2 000 € pour les dons à compter du "
            "14/10/2025, puis 66 %", annual.rate_text)
        self.assertIn(annual.rate_text, text)
        self.assertIn("75 % dans la limite de 1 000 €, puis",
            r_moved.rate_text)
        # Gifts to an organisation helping people in difficulty: no 40 %.
        self.assertEqual(r_company.rate_text, "60 % du montant, y "
            "compris au-delà de 2 000 000 € (dons à un organisme d'aide aux "
            "personnes en difficulté), dans la limite de 20 000 € ou de 5 ‰ "
            "du chiffre d'affaires lorsque ce dernier montant est plus élevé "
            "(article 238 bis du CGI)")

    @with_transaction()
    def test_expenses_cron_without_company(self):
        "The daily expense-waiver cron runs when it names no company"
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Config = pool.get('connexion.donation.configuration')
        Journal = pool.get('account.journal')
        create_company()
        configuration = Config(1)
        configuration.journal, = Journal.search([], limit=1)
        configuration.save()
        # trytond-cron runs a cron created before any company without one.
        with Transaction().set_context(company=None):
            Donation.create_from_expenses_cron()

    @with_transaction()
    def test_receipt_company_rates_dated(self):
        "Company receipts state art. 238 bis as in force on the gifts' "
        "dates: 60 %, 40 % on the part of a year's gifts above 2 M€ (not to "
        "organisations helping people in difficulty), within 20,000 € or "
        "5 per mille of turnover, whichever is higher; before the editable "
        "date (1 January 2020) no 40 % and no 20,000 €; a yearly receipt "
        "spanning both says so"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Donation = pool.get('connexion.donation')
        Config = pool.get('connexion.donation.configuration')
        self.assertIn("238 bis", Config.company_rules_date.help)
        self.assertIn("2019-1479", Config.company_rules_date.help)
        self.assertIn("1 ter", Config.rate_company_above.help)
        company = create_company()
        with set_company(company):
            configuration = Config(1)
            self.assertEqual(configuration.company_rules_date,
                dt.date(2020, 1, 1))
            self.assertEqual(configuration.rate_company_above, Decimal(40))
            first = create_company_gift(company)

            def gift(date):
                donation, = Donation.create([{
                            'company': company.id, 'party': first.party.id,
                            'donor_type': 'company',
                            'currency': company.currency.id, 'date': date,
                            'amount': Decimal(50),
                            'payment_method': 'transfer',
                            'state': 'validated'}])
                return donation
            r_now, = Receipt.issue([[first]])
            r_old, = Receipt.issue([[gift(dt.date(2019, 6, 3))]])
            annual, = Receipt.issue([[gift(dt.date(2019, 12, 20)),
                        gift(dt.date(2020, 1, 10))]], kind='annual')
            configuration.difficulty_assistance = True
            configuration.save()
            r_difficulty, = Receipt.issue([[gift(dt.date(2025, 3, 1))]])
            text = ' '.join(pdftotext(
                    Receipt.render_pdf([annual.id])).split())
        self.assertEqual(r_now.rate_text, "60 % du montant et 40 % de la "
            "fraction des versements de l'exercice supérieure à "
            "2 000 000 €, dans la limite de 20 000 € ou de 5 ‰ du chiffre "
            "d'affaires lorsque ce dernier montant est plus élevé (article "
            "238 bis du CGI)")
        self.assertEqual(r_old.rate_text, "60 % du montant, dans les "
            "limites de l'article 238 bis du CGI applicables à l'exercice "
            "du versement")
        self.assertEqual(annual.rate_text, "pour les dons jusqu'au "
            "31/12/2019, 60 % du montant, dans les limites de l'article "
            "238 bis du CGI applicables à l'exercice du versement ; pour "
            "les dons à compter du 01/01/2020, 60 % du montant et 40 % de "
            "la fraction des versements de l'exercice supérieure à "
            "2 000 000 €, dans la limite de 20 000 € ou de 5 ‰ du chiffre "
            "d'affaires lorsque ce dernier montant est plus élevé (article "
            "238 bis du CGI)")
        self.assertIn(annual.rate_text, text)
        self.assertNotIn("40 %", r_difficulty.rate_text)
        self.assertEqual(r_difficulty.rate_text, "60 % du montant, y "
            "compris au-delà de 2 000 000 € (dons à un organisme d'aide aux "
            "personnes en difficulté), dans la limite de 20 000 € ou de 5 ‰ "
            "du chiffre d'affaires lorsque ce dernier montant est plus élevé "
            "(article 238 bis du CGI)")

    @with_transaction()
    def test_receipt_lines_french_format(self):
        "The gifts listed on a yearly receipt: dates jj/mm/aaaa, amounts "
        "with the separators of Tryton's French language"
        Receipt = Pool().get('connexion.donation.receipt')
        day = dt.date(2025, 3, 4)
        row = {'donor_type': 'individual', 'kind': 'annual',
            'number': '2026-00001', 'donor_name': "Anne Martin",
            'donor_address': "1 rue des Lilas", 'amount': Decimal('1264.5'),
            'date_start': day, 'date_end': dt.date(2025, 12, 31),
            'issue_date': dt.date(2026, 1, 15)}
        lines = [{'date': day, 'form': 'manual', 'nature': 'cash',
                'payment_method': 'check', 'amount': Decimal('1234.5'),
                'in_kind_description': None},
            {'date': dt.date(2025, 12, 1), 'form': 'manual',
                'nature': 'cash', 'payment_method': 'card',
                'amount': Decimal(30), 'in_kind_description': None}]
        values = Receipt.pdf_values(row, lines, None)
        self.assertEqual(values['lines'], [
                ["04/03/2025", "Numéraire", "Chèque", "1\u00a0234,50\u00a0€"],
                ["01/12/2025", "Numéraire", "Carte bancaire", "30,00\u00a0€"]])
        self.assertEqual(values['amount_figures'],
            "***1\u00a0264,50\u00a0€***")
        self.assertEqual(values['date_start'], "04/03/2025")

    @with_transaction()
    def test_receipt_kinds_mandatory_mentions(self):
        "Every kind of receipt prints every mandatory mention (extracted "
        "from the PDF by pdftotext)"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Donation = pool.get('connexion.donation')
        company = create_company()
        issue_date = dt.date(2026, 1, 15)
        with set_company(company):
            receipts = {}
            gift, = create_validated_donations(company, 1)
            receipts['gift'], = Receipt.issue([[gift]], date=issue_date)
            gifts = create_validated_donations(company, 3)
            receipts['annual'], = Receipt.issue(
                [gifts], kind='annual', date=issue_date)
            receipts['company'], = Receipt.issue(
                [[create_company_gift(company)]], date=issue_date)
            party = gift.party
            in_kind, waiver = Donation.create([{
                        'company': company.id, 'party': party.id,
                        'currency': company.currency.id,
                        'date': dt.date(2025, 4, 1), 'amount': Decimal(80),
                        'nature': nature, 'state': 'validated',
                        'in_kind_description': description}
                    for nature, description in [
                        ('in_kind', "Jouets neufs (valeur facturée)"),
                        ('expense_waiver', None)]])
            receipts['in_kind'], = Receipt.issue([[in_kind]], date=issue_date)
            receipts['expense_waiver'], = Receipt.issue(
                [[waiver]], date=issue_date)
            cancelled, = Receipt.issue(
                [create_validated_donations(company, 1)], date=issue_date)
            Receipt.write([cancelled], {'cancel_reason': "Nom mal orthographié"})
            Receipt.replace([cancelled])
            receipts['cancelled'] = Receipt(cancelled.id)
            receipts['replacement'] = receipts['cancelled'].replaced_by
            texts = {kind: ' '.join(pdftotext(
                        Receipt.render_pdf([r.id])).split())
                for kind, r in receipts.items()}
        today = dt.date.today().strftime('%d/%m/%Y')
        for kind, receipt in receipts.items():
            date = (today if kind == 'replacement'
                else issue_date.strftime('%d/%m/%Y'))
            donor = 'company' if kind == 'company' else 'individual'
            mentions = (COMMON_MENTIONS + DONOR_MENTIONS[donor]
                + KIND_MENTIONS[kind] + [
                    (receipt.number, "unique order number (CERFA "
                        "header; art. L14 A LPF)"),
                    (f"Date : {date}", "date of issue, next to the "
                        "signature (CERFA)")])
            for mention, source in mentions:
                with self.subTest(kind=kind, mention=mention):
                    self.assertIn(mention, texts[kind], source)
        self.assertNotIn("ANNULÉ", texts['replacement'])

    @unittest.skipIf(backend.name == 'sqlite',
        "SQLite locks the whole database file")
    @with_transaction()
    def test_receipt_numbers_gapless_concurrent(self):
        "Two users issuing receipts at once: no duplicate, no gap"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        transaction = Transaction()
        company = create_company()
        with set_company(company):
            d1, d2, d3 = create_validated_donations(company, 3)
            transaction.commit()
            seen = []

            def second_user(number):
                # While the first generation is not committed, a second one
                # cannot take a number.
                seen.append(number)
                with self.assertRaises(backend.DatabaseOperationalError):
                    issue_in_new_transaction(d2.id)

            first = issue_in_new_transaction(d1.id, then=second_user)
            second = issue_in_new_transaction(d2.id)

            # A generation rolled back leaves no hole in the numbering.
            extras = {}
            while True:
                with transaction.new_transaction(**extras) as rolled_back:
                    try:
                        receipt, = Receipt.issue([[d3]])
                    except TransactionError as e:
                        rolled_back.rollback()
                        e.fix(extras)
                        continue
                    lost = receipt.number
                    rolled_back.rollback()
                    break
            third = issue_in_new_transaction(d3.id)

        year = dt.date.today().year
        self.assertEqual(seen, [f'{year}-00001'])
        self.assertEqual([first, second, lost, third],
            [f'{year}-00001', f'{year}-00002', f'{year}-00003',
                f'{year}-00003'])

    @with_transaction()
    def test_access_per_team(self):
        "Fundraising and finances manage gifts; Dreams, Hospitals and portal "
        "volunteers cannot even read them, nor the donors' totals"
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            party = donation.party
            for login, group, allowed in [
                    ('collecte', 'group_team_fundraising', True),
                    ('finances', 'group_team_admin', True),
                    ('reves', 'group_team_dreams', False),
                    ('hopitaux', 'group_team_hospitals', False),
                    ('benevole', 'group_volunteer', False),
                    ]:
                user = make_user(login, group, company)
                with self.subTest(team=login), \
                        Transaction().set_user(user.id), \
                        Transaction().set_context(_check_access=True):
                    if allowed:
                        self.assertEqual(Donation.search(
                                [('state', '=', 'validated')]), [donation])
                        draft, = Donation.create([{
                                    'company': company.id,
                                    'party': party.id,
                                    'currency': company.currency.id,
                                    'amount': Decimal(5),
                                    'payment_method': 'cash'}])
                        Donation.write([draft], {'amount': Decimal(6)})
                        Receipt.search([])
                        total = Party.read([party.id], ['donation_total'])
                        self.assertEqual(
                            total[0]['donation_total'], Decimal(10))
                    else:
                        with self.assertRaises(AccessError):
                            Donation.search([])
                        with self.assertRaises(AccessError):
                            Donation.read([donation.id], ['amount'])
                        with self.assertRaises(AccessError):
                            Receipt.search([])
                        if group != 'group_volunteer':
                            with self.assertRaises(AccessError):
                                Party.read([party.id], ['donation_total'])

    @with_transaction()
    def test_donor_history(self):
        "Totals, first and last gift, lapsed donors (LYBUNT, SYBUNT)"
        pool = Pool()
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        DonorYear = pool.get('connexion.donation.donor_year')
        this_year = dt.date.today().year
        company = create_company()
        with set_company(company):
            loyal, lapsed, older, new = Party.create([
                    {'name': n} for n in ["Fidèle", "Perdue", "Ancienne",
                        "Nouvelle"]])
            values = []
            for party, years in [(loyal, [this_year - 2, this_year - 1,
                            this_year]),
                    (lapsed, [this_year - 2, this_year - 1]),
                    (older, [this_year - 3]), (new, [this_year])]:
                for year in years:
                    values.append({'company': company.id,
                            'party': party.id,
                            'currency': company.currency.id,
                            'date': dt.date(year, 1, 1),
                            'amount': Decimal(year - 2000),
                            'payment_method': 'transfer',
                            'state': 'validated'})
            # A draft gift counts for nothing.
            values.append(dict(values[-1], state='draft',
                    amount=Decimal(1000)))
            Donation.create(values)
            lapsed = Party(lapsed.id)
            self.assertEqual(lapsed.donation_count, 2)
            self.assertEqual(lapsed.donation_total,
                Decimal(2 * this_year - 4003))
            self.assertEqual(lapsed.first_donation_date,
                dt.date(this_year - 2, 1, 1))
            self.assertEqual(lapsed.last_donation_date,
                dt.date(this_year - 1, 1, 1))
            self.assertEqual(Party(new.id).donation_year_total,
                Decimal(this_year - 2000))
            self.assertEqual(
                Party.search([('lybunt', '=', True)]), [lapsed])
            self.assertEqual(
                Party.search([('sybunt', '=', True)]), [Party(older.id)])
            self.assertEqual([p.lybunt for p in Party.browse(
                            [loyal, lapsed, older, new])],
                [False, True, False, False])
            self.assertNotIn(lapsed, Party.search([('lybunt', '=', False)]))
            years = DonorYear.search([('party', '=', loyal.id)])
            self.assertEqual([(y.year, y.count, y.amount) for y in years],
                [(str(y), 1, Decimal(y - 2000)) for y in [
                        this_year, this_year - 1, this_year - 2]])
            # The dashboards: funds per month and per year, the donors
            # of each year, new ones and those kept from the year before.
            Month = pool.get('connexion.donation.month')
            Year = pool.get('connexion.donation.year')
            y = this_year
            self.assertEqual(
                [(m.month, m.gifts, m.donors, m.amount)
                    for m in Month.search([])],
                [(f'{y - 3}-01', 1, 1, Decimal(y - 2003)),
                    (f'{y - 2}-01', 2, 2, Decimal(2 * (y - 2002))),
                    (f'{y - 1}-01', 2, 2, Decimal(2 * (y - 2001))),
                    (f'{y}-01', 2, 2, Decimal(2 * (y - 2000)))])
            self.assertEqual(
                [(r.year, r.donors, r.new_donors, r.retained_donors,
                        r.retention, r.amount) for r in Year.search([])],
                [(str(y - 3), 1, 1, 0, None, Decimal(y - 2003)),
                    (str(y - 2), 2, 2, 0, 0, Decimal(2 * (y - 2002))),
                    (str(y - 1), 2, 0, 2, 100, Decimal(2 * (y - 2001))),
                    (str(y), 2, 1, 1, 50, Decimal(2 * (y - 2000)))])

    @with_transaction()
    def test_receipt_email_resumes(self):
        "Receipts are e-mailed with their PDF, each donor once, even when "
        "the mail server fails halfway and the sending is started again"
        Receipt = Pool().get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            receipts = annual_receipts(company, [(f"Donatrice {i}",
                        f'donatrice{i}@exemple.test' if i < 3 else None)
                    for i in range(4)])
            queued, without = Receipt.queue_email(receipts)
            self.assertEqual(len(queued), 3)
            self.assertEqual([r.donor_name for r in without],
                ["Donatrice 3"])

            with loopback_smtp(Mailbox(refuse_after=2)) as mailbox:
                self.assertEqual(as_task(Receipt.send_queued), 2)
            self.assertEqual(len(mailbox.received), 2)
            failed = Receipt(queued[2].id)
            self.assertEqual(failed.email_state, 'pending')
            self.assertIn('451', failed.email_error)

            with loopback_smtp(Mailbox()) as second:
                self.assertEqual(as_task(Receipt.send_queued), 1)
                # Nothing left: sending again sends nothing.
                self.assertEqual(as_task(Receipt.send_queued), 0)
                Receipt.queue_email(receipts)
                self.assertEqual(as_task(Receipt.send_queued), 0)
            recipients = [r for m in (mailbox, second)
                for r, _ in m.received]
            self.assertEqual(sorted(recipients), [
                    [f'donatrice{i}@exemple.test'] for i in range(3)])
            self.assertEqual(
                [r.email_state for r in Receipt.browse(receipts)],
                ['sent', 'sent', 'sent', None])

            _, message = second.received[0]
            self.assertIn(failed.number, message['Subject'])
            attachment, = [p for p in message.walk()
                if p.get_content_type() == 'application/pdf']
            text = pdf_text(attachment.get_payload(decode=True))
            for mention in [failed.number, "Donatrice 2", "***42,00 €***",
                    "quarante-deux euros", "☒ 200 du CGI"]:
                self.assertIn(mention, text)


del ModuleTestCase
