"""A campaign and tax receipts sent through ir.queue: the button and the
wizard only queue, the tasks run as trytond-worker runs them (pulled from
ir.queue, each in a transaction of its own, one chunk per task queuing the
next), each message leaves once and a second run sends nothing."""
from collections import Counter
from email.utils import parseaddr
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    CONTEXT, DB_NAME, USER)

from connexion_asso.tests.database import DatabaseTestCase
from connexion_asso.tests.smtp import Sink, smtp_server
from connexion_asso.tests.worker import in_transaction, run_queue
from connexion_tax_receipt import receipt_email
from connexion_tax_receipt.tests.support import (
    annual_receipts, legal_association)

from .. import campaign_send
from .test_module import create_campaign, create_subscribers

COUNT = 12
CHUNK = 5


def transaction(func):
    return in_transaction(func, DB_NAME, USER, CONTEXT)


def received(sink, addresses):
    "{address: number of messages} of those of addresses."
    return Counter(a for m in sink.messages
        for a in [parseaddr(m['To'])[1]] if a in addresses)


class QueueSendingTest(DatabaseTestCase):
    modules = ['connexion_marketing', 'connexion_tax_receipt']

    def test_campaign_sent_by_worker_once(self):
        "A campaign sent from the queue, chunk by chunk: each once"
        def send():
            Campaign = Pool().get('connexion.marketing.campaign')
            list_, parties = create_subscribers(COUNT, "File")
            campaign = create_campaign(list_, "Appel par la file")
            Campaign.queue([campaign])
            Campaign.send([campaign])
            return campaign.id, [p.contact_mechanisms[0].value
                for p in parties]
        campaign_id, addresses = transaction(send)

        def resume():
            Campaign = Pool().get('connexion.marketing.campaign')
            Campaign.resume([Campaign(campaign_id)])

        def state():
            campaign = Pool().get('connexion.marketing.campaign')(campaign_id)
            return campaign.state, campaign.sent, campaign.pending

        sink = Sink()
        with smtp_server(sink), patch.object(campaign_send, 'CHUNK', CHUNK):
            # Nothing left while the button's transaction ran.
            self.assertEqual(sink.messages, [])
            # One task per chunk of 5: 12 recipients, 3 tasks at least.
            self.assertGreaterEqual(run_queue(DB_NAME), 3)
            self.assertEqual(received(sink, addresses),
                Counter({a: 1 for a in addresses}))
            self.assertEqual(run_queue(DB_NAME), 0)
            # Resumed (the resume button, as the cron): nothing leaves.
            transaction(resume)
            self.assertEqual(run_queue(DB_NAME), 1)
        self.assertEqual(sum(received(sink, addresses).values()), COUNT)
        self.assertEqual(transaction(state), ('done', COUNT, 0))

    def test_receipts_emailed_by_worker_once(self):
        "Receipts e-mailed from the queue, chunk by chunk: each once"
        addresses = [f'file.recu{i}@exemple.test' for i in range(COUNT)]

        def send():
            Receipt = Pool().get('connexion.donation.receipt')
            company = create_company()
            with set_company(company):
                legal_association()
                receipts = annual_receipts(company, [
                        (f"Donatrice File {i}", address)
                        for i, address in enumerate(addresses)])
                # What the wizard does: queued, the sending queued.
                queued, _ = Receipt.queue_email(receipts)
                Receipt.__queue__.send_queued(queued)
            return [r.id for r in receipts]
        ids = transaction(send)

        def resend():
            Receipt = Pool().get('connexion.donation.receipt')
            Receipt.__queue__.send_queued(Receipt.browse(ids))

        def states():
            Receipt = Pool().get('connexion.donation.receipt')
            return ({r.email_state for r in Receipt.browse(ids)},
                all(r.email_date for r in Receipt.browse(ids)))

        sink = Sink()
        with smtp_server(sink), patch.object(receipt_email, 'CHUNK', CHUNK):
            self.assertGreaterEqual(run_queue(DB_NAME), 3)
            self.assertEqual(received(sink, addresses),
                Counter({a: 1 for a in addresses}))
            # Queued again (the cron passing): nothing leaves.
            transaction(resend)
            self.assertEqual(run_queue(DB_NAME), 1)
        self.assertEqual(sum(received(sink, addresses).values()), COUNT)
        self.assertEqual(transaction(states), ({'sent'}, True))
