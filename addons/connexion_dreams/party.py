"""Merging duplicates and erasing a person: the dreams' records that point
to a party (children, parents, hospitals and their contacts, referrers,
suppliers, partners)."""
from trytond.pool import Pool, PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.child', 'party'),
            ('connexion.child.guardian', 'party'),
            ('connexion.hospital', 'party'),
            ('connexion.hospital.contact', 'party'),
            ('connexion.dream', 'referrer'),
            ('connexion.dream.cost', 'supplier'),
            ('connexion.dream.contribution', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Child = pool.get('connexion.child')
        Guardian = pool.get('connexion.child.guardian')
        Hospital = pool.get('connexion.hospital')
        Contact = pool.get('connexion.hospital.contact')
        Dream = pool.get('connexion.dream')
        Wish = pool.get('connexion.dream.wish')
        Photo = pool.get('connexion.dream.photo')
        Cost = pool.get('connexion.dream.cost')
        Contribution = pool.get('connexion.dream.contribution')
        to_erase = super().to_erase(party_id)
        child = ('child.party', '=', party_id)
        to_erase.extend([
                # Health data first (GDPR art. 9). The birth date is
                # required and says nothing once the name is gone.
                (Child, [('party', '=', party_id)], True,
                    ['pathology', 'medical_constraints', 'treating_doctor'],
                    [None, None, None]),
                (Guardian, [('party', '=', party_id)], True, [], []),
                # The child's dreams tell the child's life: texts and photos
                # go, the dream's number, dates and costs stay (accounting).
                (Dream, [child], True,
                    ['reason', 'second_dream_reason', 'plan', 'itinerary',
                        'feedback'],
                    [None] * 5),
                # A referrer's dreams are another child's: only the link is
                # anonymised (through the party).
                (Dream, [('referrer', '=', party_id)], False, [], []),
                (Wish, [('dream.' + child[0],) + child[1:]], True,
                    ['notes'], [None]),
                (Photo, [('dream.' + child[0],) + child[1:]], True,
                    ['image', 'name', 'caption'], [b'', None, None]),
                (Hospital, [('party', '=', party_id)], True,
                    ['notes'], [None]),
                (Contact, [('party', '=', party_id)], True,
                    ['email', 'phone'], [None, None]),
                # Costs and contributions are the dream's accounts: their
                # descriptions name goods and services, not the person.
                (Cost, [('supplier', '=', party_id)], True, [], []),
                (Contribution, [('party', '=', party_id)], True, [], []),
                ])
        return to_erase
