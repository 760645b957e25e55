import datetime as dt
import unittest
from decimal import Decimal

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, TransactionError

from ..exceptions import (
    ReceiptCancelError, ReceiptedError, ReceiptFrozenError,
    ReceiptRefusedError)
from .support import (
    Mailbox, annual_receipts, company_donor, create_company_gift,
    create_validated_donations, donor_address, legal_association,
    loopback_smtp, pdf_text, pdftotext)
from connexion_asso.exceptions import WorkflowDeleteError
from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin
from connexion_asso.tests.worker import as_task
from connexion_donation.tests.support import FUNDRAISING_ACCESS, as_team


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


class TaxReceiptTestCase(CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Tax Receipt module"
    module = 'connexion_tax_receipt'

    def refused_issue(self, donation):
        "The message refusing the receipt of donation."
        Receipt = Pool().get('connexion.donation.receipt')
        with self.assertRaises(ReceiptRefusedError) as cm:
            Receipt.issue([[donation]])
        return cm.exception.message

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
            message = self.refused_issue(donation)
            self.assertIn("general interest", message)
            self.assertIn("public utility", message)
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
            message = self.refused_issue(donation)
            self.assertIn("decree", message)
            legal_association(
                public_utility_decree_date=dt.date(1998, 3, 12))
            self.refused_issue(donation)
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
            message = self.refused_issue(donation)
            self.assertIn("Armelle Dujardin", message)
            self.assertIn("Postal Code", message)
            self.assertNotIn("City", message)
            Address.delete([address])
            message = self.refused_issue(donation)
            self.assertIn("Street", message)
            self.assertIn("City", message)
            Party.write([party], {'addresses': donor_address()})
            receipt, = Receipt.issue([[donation]])
        self.assertIn("21000 Dijon", receipt.donor_address)

    @with_transaction()
    def test_receipt_refused_company_without_siren(self):
        "A company donor needs its SIREN and legal form, both printed"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            bakery = company_donor(legal_form=None, siren=None)
            donation = create_company_gift(company, bakery)
            message = self.refused_issue(donation)
            self.assertIn("SIREN", message)
            self.assertIn("Legal Form", message)
            Party.write([bakery], {'legal_form': "SARL"})
            message = self.refused_issue(donation)
            self.assertNotIn("Legal Form", message)
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
    def test_receipt_access_per_team(self):
        "Fundraising and finances read the receipts; Dreams, Hospitals and "
        "portal volunteers cannot"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            donation, = create_validated_donations(company, 1)
            receipt, = Receipt.issue([[donation]])
            for login, group, allowed in FUNDRAISING_ACCESS:
                with as_team(self, login, group, company):
                    if allowed:
                        self.assertEqual(Receipt.search([]), [receipt])
                    else:
                        with self.assertRaises(AccessError):
                            Receipt.search([])

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
