"""Merging duplicates (party.replace) and erasing a person (party.erase).

Each Connexion module lists, in its own party.py, the Many2One to
party.party of its models (fields_to_replace) and the personal fields to
clear (to_erase), as Tryton's modules do: merging and erasure stay complete
as modules are added (tests/party_tests.py checks it)."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, inactive_records


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.consent', 'party'),
            ('connexion.consent', 'guardian'),
            ('connexion.outbox.message', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def parties_to_erase(self):
        "The party asked and the parties it replaced (as Tryton erases them)."
        Party = Pool().get('party.party')
        parties = replacing = [self.ask.party]
        with inactive_records():
            while replacing:
                replacing = Party.search([
                        ('replaced_by', 'in', list(map(int, replacing))),
                        ])
                parties += replacing
        return parties

    def transition_erase(self):
        for party in self.parties_to_erase():
            self.end_relationships(party)
        state = super().transition_erase()
        # Tryton erases with SQL updates: records read earlier in the same
        # transaction would still show the person's data.
        for cache in Transaction().cache.values():
            cache.clear()
        return state

    def end_relationships(self, party):
        """End what still runs for the party before its data is erased
        (direct debit plans, mandates…) and scrub what column updates cannot
        reach (bank files). Modules extend it; check_erase runs after, so a
        refusal rolls all of it back."""

    def to_keep(self, party_id):
        """[(Model, domain, reason)] of the records the law requires to keep
        as they are (shown in the GDPR erasure log)."""
        return []

    def to_erase(self, party_id):
        pool = Pool()
        Consent = pool.get('connexion.consent')
        ContactMechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        Duplicate = pool.get('connexion.party.duplicate')
        Message = pool.get('connexion.outbox.message')
        to_erase = super().to_erase(party_id)
        to_erase.extend([
                # Tryton leaves the compact forms (searchable phone numbers,
                # e-mails, identifiers) behind.
                (ContactMechanism, [('party', '=', party_id)], False,
                    ['value_compact'], [None]),
                (Identifier, [('party', '=', party_id)], False,
                    ['code_compact'], [None]),
                # The consent history stays (proof that past processing was
                # lawful, art. 7-1) without the free text of the proof.
                (Consent, ['OR',
                        ('party', '=', party_id),
                        ('guardian', '=', party_id),
                        ], True,
                    ['proof'], [None]),
                # Probable duplicates: two links, nothing else.
                (Duplicate, ['OR',
                        ('party', '=', party_id),
                        ('other', '=', party_id),
                        ], False, [], []),
                # The e-mails to the person: not sent any more if pending.
                (Message, [('party', '=', party_id)], False,
                    ['to', 'subject', 'content'], [None, None, None]),
                ])
        return to_erase
