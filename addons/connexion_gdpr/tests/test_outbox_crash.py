"""A campaign's sending process killed with SIGKILL at several points, then
resumed: every recipient gets the e-mail, nobody twice but for the message
in flight on a connection at the kill, sent again with the same Message-ID.

On PostgreSQL, with a real sending process and aiosmtpd on loopback (the
outbox's connections record on connections of their own, which SQLite's
single connection cannot show)."""
import os
import tempfile
import unittest
from collections import defaultdict

from trytond import backend
from trytond.pool import Pool
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.outbox_crash import (
    DATA, MAIL, Sender, Sink, kill_when)

from .test_module import create_campaign, create_subscribers

CONNECTIONS = 4
COUNT = 600


class CampaignCrashTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(['connexion_gdpr', 'connexion_donation'])

    def setUp(self):
        if backend.name != 'postgresql':
            self.skipTest("the outbox's own connections need PostgreSQL")
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.sink = Sink(os.path.join(directory.name, 'received'))
        self.addCleanup(self.sink.stop)

    def sender(self, campaign):
        return Sender(Transaction().database.name,
            'connexion.gdpr.campaign', 'process', [campaign.id], {},
            self.sink.port, CONNECTIONS)

    @with_transaction()
    def test_killed_campaign_sends_nobody_twice(self):
        "SIGKILL before, during and after hand-overs, resumed: each once"
        pool = Pool()
        Campaign = pool.get('connexion.gdpr.campaign')
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
        list_, parties = create_subscribers(COUNT, "Panne")
        campaign = create_campaign(list_, "Appel d'hiver")
        Campaign.queue([campaign])
        Campaign.start_sending([campaign])
        Transaction().commit()
        sink = self.sink
        kills = 0
        # Held answering MAIL: handed over, not accepted. Held answering
        # the end of the message: accepted, the sender not told. Then a
        # kill in full flow, wherever the sending is.
        for kind, at in [(MAIL, 100), (DATA, 250), (None, 420)]:
            before = len(sink.received())
            if kind:
                sink.hold(kind, at)
                condition = sink.held.is_set
            else:
                sink.hold(0, 0)
                condition = (lambda: len(sink.received()) >= at)
            sender = self.sender(campaign)
            self.assertTrue(kill_when(sink, sender, condition),
                "the sending ended before the kill")
            kills += 1
            self.assertGreater(len(sink.received()), before)
        sink.hold(0, 0)
        self.assertEqual(self.sender(campaign).wait(), 0)

        received = sink.received()
        copies = defaultdict(set)
        count = defaultdict(int)
        for address, message_id in received:
            copies[address].add(message_id)
            count[address] += 1
        addresses = {p.contact_mechanisms[0].value for p in parties}
        self.assertEqual(set(count), addresses)
        twice = sum(n - 1 for n in count.values())
        # At most the message in flight on each connection at each kill,
        # with the Message-ID of its first copy (mail clients fold it).
        self.assertLessEqual(twice, kills * CONNECTIONS, twice)
        self.assertEqual(
            [a for a, ids in copies.items() if len(ids) > 1], [])
        # The message held at the end of DATA was accepted before the kill:
        # sent again (the sender could not know), same Message-ID.
        self.assertGreaterEqual(twice, 1)
        Transaction().rollback()
        campaign = Campaign(campaign.id)
        self.assertEqual(campaign.state, 'done')
        self.assertEqual((campaign.sent, campaign.pending, campaign.in_doubt),
            (COUNT, 0, 0))
        self.assertEqual(Recipient.search_count([
                    ('campaign', '=', campaign.id),
                    ('sent_date', '=', None)]), 0)
