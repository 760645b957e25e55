"""The campaigns in the erasure (connexion_gdpr) and the merge of
duplicates: a person's mailing list subscriptions and recipients go, and a
bounce or complaint stays blocked as a hash."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import inactive_records


class PartyReplace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.marketing.campaign.recipient', 'party'),
            ]


class PartyErase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def end_relationships(self, party):
        "Done while the party's e-mail addresses are still known."
        pool = Pool()
        MarketingEmail = pool.get('marketing.email')
        Suppression = pool.get('connexion.marketing.suppression')
        Recipient = pool.get('connexion.marketing.campaign.recipient')
        super().end_relationships(party)
        emails = party._gdpr_emails()
        if emails:
            with inactive_records():
                MarketingEmail.delete(MarketingEmail.search(
                        [('email', 'in', list(emails))]))
            Suppression.forget(list(emails))
        Recipient.delete(Recipient.search([('party', '=', party.id)]))

    def to_erase(self, party_id):
        Recipient = Pool().get('connexion.marketing.campaign.recipient')
        to_erase = super().to_erase(party_id)
        # Deleted while the e-mails are known (end_relationships).
        to_erase.append(
            (Recipient, [('party', '=', party_id)], False, [], []))
        return to_erase
