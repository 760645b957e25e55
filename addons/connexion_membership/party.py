"""Merging and erasing a member: the fees are accounting documents, kept
without the free texts that name the person."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.membership', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_keep(self, party_id):
        Membership = Pool().get('connexion.membership')
        return super().to_keep(party_id) + [
            (Membership, [('party', '=', party_id)],
                gettext('connexion_donation.msg_kept_accounting')),
            ]

    def to_erase(self, party_id):
        Membership = Pool().get('connexion.membership')
        to_erase = super().to_erase(party_id)
        # Fees are accounting documents (10 years, Code de commerce
        # L123-22): what names the person goes, their moves stay.
        to_erase.append((Membership, [('party', '=', party_id)], True,
                ['notes', 'withdrawal_reason'], [None, None]))
        to_erase.extend(self.posted_moves_to_erase(Membership, party_id))
        return to_erase
