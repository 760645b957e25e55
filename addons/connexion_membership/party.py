"""Merging and erasing a member: the fees are accounting documents, kept
without the free texts that name the person."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import inactive_records


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
        pool = Pool()
        Membership = pool.get('connexion.membership')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        to_erase = super().to_erase(party_id)
        label = gettext('connexion_donation.msg_erased_description')
        with inactive_records():
            memberships = Membership.search([('party', '=', party_id)])
        move_ids = [m.id for r in memberships
            for m in [r.move, r.cancel_move] if m]
        to_erase.extend([
                # Fees are accounting documents (10 years, Code de commerce
                # L123-22): what names the person goes.
                (Membership, [('party', '=', party_id)], True,
                    ['notes', 'withdrawal_reason'], [None, None]),
                # Their moves stay, balanced, with a neutral label.
                (Move, [('id', 'in', move_ids)], False,
                    ['description'], [label]),
                (Line, [('move', 'in', move_ids)], False,
                    ['description'], [label]),
                ])
        return to_erase
