"""Tax receipts' e-mailing killed with SIGKILL at several points, then
resumed: each donor gets their receipt, nobody twice but for the message in
flight at the kill, sent again with the same Message-ID.

On PostgreSQL, with a real sending process and aiosmtpd on loopback (see
connexion_asso/tests/outbox_crash.py)."""
import datetime as dt
import os
import tempfile
import unittest
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.outbox_crash import (
    DATA, MAIL, Sender, Sink, kill_when)

from .support import donor_address, legal_association

CONNECTIONS = 2
COUNT = 40


class ReceiptCrashTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module('connexion_donation')

    def setUp(self):
        if backend.name != 'postgresql':
            self.skipTest("the outbox's own connections need PostgreSQL")
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.sink = Sink(os.path.join(directory.name, 'received'))
        self.addCleanup(self.sink.stop)

    @with_transaction()
    def test_killed_receipt_sending_sends_nobody_twice(self):
        "SIGKILL while receipts are e-mailed, resumed: each donor once"
        pool = Pool()
        Party = pool.get('party.party')
        Donation = pool.get('connexion.donation')
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            parties = Party.create([{
                        'name': f"Donatrice Panne {i}",
                        'addresses': donor_address(),
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': f'panne{i}@exemple.test',
                                        }])],
                        } for i in range(COUNT)])
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
            queued, _ = Receipt.queue_email(receipts)
            self.assertEqual(len(queued), COUNT)
            Transaction().commit()
            ids = [r.id for r in receipts]
            sink = self.sink

            def sender():
                return Sender(Transaction().database.name,
                    'connexion.donation.receipt', 'send_queued', ids,
                    {'company': company.id}, sink.port, CONNECTIONS)

            kills = 0
            for kind, at in [(MAIL, 6), (DATA, 14), (None, 25)]:
                if kind:
                    sink.hold(kind, at)
                    condition = sink.held.is_set
                else:
                    sink.hold(0, 0)
                    condition = (lambda: len(sink.received()) >= at)
                self.assertTrue(kill_when(sink, sender(), condition),
                    "the sending ended before the kill")
                kills += 1
            sink.hold(0, 0)
            self.assertEqual(sender().wait(), 0)

            count = defaultdict(int)
            copies = defaultdict(set)
            for address, message_id in sink.received():
                count[address] += 1
                copies[address].add(message_id)
            self.assertEqual(set(count),
                {f'panne{i}@exemple.test' for i in range(COUNT)})
            twice = sum(n - 1 for n in count.values())
            self.assertLessEqual(twice, kills * CONNECTIONS, twice)
            self.assertGreaterEqual(twice, 1)
            self.assertEqual(
                [a for a, i in copies.items() if len(i) > 1], [])
            Transaction().rollback()
            self.assertEqual(
                {r.email_state for r in Receipt.browse(ids)}, {'sent'})
