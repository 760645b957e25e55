"""Tax receipts' e-mailing killed with SIGKILL at several points, then
resumed: each donor gets their receipt, nobody twice but for the message in
flight at the kill, sent again with the same Message-ID.

On PostgreSQL, with a real sending process and aiosmtpd on loopback (see
connexion_asso/tests/outbox_crash.py)."""
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.database import DatabaseTestCase
from connexion_asso.tests.outbox_crash import (
    DATA, MAIL, CrashTestMixin, Sender)

from .support import annual_receipts, legal_association

CONNECTIONS = 2
COUNT = 40


class ReceiptCrashTest(CrashTestMixin, DatabaseTestCase):
    modules = ['connexion_tax_receipt']

    @with_transaction()
    def test_killed_receipt_sending_sends_nobody_twice(self):
        "SIGKILL while receipts are e-mailed, resumed: each donor once"
        Receipt = Pool().get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            receipts = annual_receipts(company, [
                    (f"Donatrice Panne {i}", f'panne{i}@exemple.test')
                    for i in range(COUNT)])
            queued, _ = Receipt.queue_email(receipts)
            self.assertEqual(len(queued), COUNT)
            Transaction().commit()
            ids = [r.id for r in receipts]

            def sender():
                return Sender(Transaction().database.name,
                    'connexion.donation.receipt', 'send_queued', ids,
                    {'company': company.id}, self.sink.port, CONNECTIONS)
            kills = self.kill_and_resume(
                sender, [(MAIL, 6), (DATA, 14), (None, 25)])
            self.assert_each_once(
                {f'panne{i}@exemple.test' for i in range(COUNT)},
                kills, CONNECTIONS)
            Transaction().rollback()
            self.assertEqual(
                {r.email_state for r in Receipt.browse(ids)}, {'sent'})
