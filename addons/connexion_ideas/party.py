"""Merging duplicates and erasing a person: ideas and votes."""
from trytond.pool import Pool, PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.idea', 'author'),
            ('connexion.idea.vote', 'party'),
            ]

    def transition_replace(self):
        """One vote per person and idea: the duplicate's votes on ideas the
        survivor also voted for are dropped before they move."""
        Vote = Pool().get('connexion.idea.vote')
        source, destination = self.ask.source, self.ask.destination
        voted = {v.idea.id for v in Vote.search(
                [('party', '=', destination.id)])}
        Vote.delete(Vote.search([
                    ('party', '=', source.id),
                    ('idea', 'in', list(voted)),
                    ]))
        return super().transition_replace()


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Idea = pool.get('connexion.idea')
        Vote = pool.get('connexion.idea.vote')
        to_erase = super().to_erase(party_id)
        to_erase.extend([
                # The idea belongs to the association's idea box (its answer
                # is public); the author is anonymised through the party,
                # the attachments go.
                (Idea, [('author', '=', party_id)], True, [], []),
                (Vote, [('party', '=', party_id)], False, [], []),
                ])
        return to_erase
