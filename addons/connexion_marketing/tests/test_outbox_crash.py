"""A campaign's sending process killed with SIGKILL at several points, then
resumed: every recipient gets the e-mail, nobody twice but for the message
in flight on a connection at the kill, sent again with the same Message-ID.

On PostgreSQL, with a real sending process and aiosmtpd on loopback (the
outbox's connections record on connections of their own, which SQLite's
single connection cannot show)."""
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.database import DatabaseTestCase
from connexion_asso.tests.outbox_crash import (
    DATA, MAIL, CrashTestMixin, Sender)

from .test_module import create_campaign, create_subscribers

CONNECTIONS = 4
COUNT = 600


class CampaignCrashTest(CrashTestMixin, DatabaseTestCase):
    modules = ['connexion_marketing', 'connexion_donation']

    @with_transaction()
    def test_killed_campaign_sends_nobody_twice(self):
        "SIGKILL before, during and after hand-overs, resumed: each once"
        pool = Pool()
        Campaign = pool.get('connexion.marketing.campaign')
        Recipient = pool.get('connexion.marketing.campaign.recipient')
        list_, parties = create_subscribers(COUNT, "Panne")
        campaign = create_campaign(list_, "Appel d'hiver")
        Campaign.queue([campaign])
        Campaign.start_sending([campaign])
        Transaction().commit()

        def sender():
            return Sender(Transaction().database.name,
                'connexion.marketing.campaign', 'process', [campaign.id], {},
                self.sink.port, CONNECTIONS)
        # Held answering MAIL: handed over, not accepted. Held answering
        # the end of the message: accepted, the sender not told. Then a
        # kill in full flow, wherever the sending is.
        kills = self.kill_and_resume(
            sender, [(MAIL, 100), (DATA, 250), (None, 420)])
        self.assert_each_once(
            {p.contact_mechanisms[0].value for p in parties},
            kills, CONNECTIONS)
        Transaction().rollback()
        campaign = Campaign(campaign.id)
        self.assertEqual(campaign.state, 'done')
        self.assertEqual((campaign.sent, campaign.pending, campaign.in_doubt),
            (COUNT, 0, 0))
        self.assertEqual(Recipient.search_count([
                    ('campaign', '=', campaign.id),
                    ('sent_date', '=', None)]), 0)
