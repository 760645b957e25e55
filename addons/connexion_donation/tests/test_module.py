import datetime as dt
import unittest
from decimal import Decimal

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction, TransactionError

from ..words import amount_to_words


def create_validated_donations(company, count):
    "Validated gifts without move: enough to issue receipts."
    pool = Pool()
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    party, = Party.create([{'name': "Armelle Dujardin",
                'addresses': [('create', [{'street': "1 rue Haute",
                                'postal_code': '21000', 'city': "Dijon"}])]}])
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


class DonationTestCase(ModuleTestCase):
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


del ModuleTestCase
