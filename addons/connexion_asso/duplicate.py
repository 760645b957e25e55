"""Probable duplicate persons, found as the import finds them, merged
through Tryton's party.replace wizard.

The matching lives here so that the import (connexion_import) and the staff's
search after the import share it: the same e-mail, the same phone, or the
same name (without case, accents, punctuation nor word order) in the same
postal code, or a nearly identical name there."""
import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from itertools import combinations

from sql import Literal

from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import StateAction, StateTransition, Wizard

from .workflow import TransitionOnlyMixin, workflow_values_allowed

SIMILAR_RATIO = 0.85
# A name typed in a search, against a part of a name: one letter off in six
# ("Dupond" for "Dupont") is a likely typo.
SUGGESTION_RATIO = 0.8


def strip_accents(value):
    return ''.join(c for c in unicodedata.normalize('NFKD', value)
        if not unicodedata.combining(c))


@functools.lru_cache(maxsize=100_000)
def name_key(value):
    "Name without case, accents, punctuation nor word order (duplicates)."
    words = re.findall(r'[a-z0-9]+', strip_accents(value or '').lower())
    return ' '.join(sorted(words))


def similar_names(key, other, ratio=SIMILAR_RATIO):
    "Whether two name keys are nearly the same (cheap bounds first)."
    matcher = difflib.SequenceMatcher(None, key, other)
    return (matcher.real_quick_ratio() >= ratio
        and matcher.quick_ratio() >= ratio
        and matcher.ratio() >= ratio)


def name_ratio(key, other, ratio=SUGGESTION_RATIO):
    """How close the name key other comes to the typed key, 0 when not
    similar_names at ratio: the key against the other's words taken as many
    at a time as it has ("dupond" against "dupont" and "jean" of "dupont
    jean"). The search's suggestions; the duplicate check compares whole
    names with similar_names itself."""
    words = other.split()
    count = len(key.split())
    best = 0
    for part in combinations(words, min(count, len(words))):
        part = ' '.join(part)
        if similar_names(key, part, ratio):
            best = max(best, difflib.SequenceMatcher(None, key, part).ratio())
    return best


def phone_key(value):
    "The last nine digits: +33 6 12…, 06 12… and 0033 6 12… agree."
    digits = re.sub(r'\D', '', value or '')
    return digits[-9:] if len(digits) >= 9 else None


class PartyIndex:
    "Existing parties by e-mail, by name and postal code, and by bucket."

    def __init__(self):
        self.by_email = {}
        self.by_name = {}
        # Fuzzy matching compares a name only with the names of the same
        # postal code and initial: linear in the file, whatever the base.
        self.by_bucket = defaultdict(list)
        self.names = {}
        # Every party of each key (the import keeps the first one only).
        self.emails = defaultdict(set)
        self.phones = defaultdict(set)
        self.name_codes = defaultdict(set)

    @classmethod
    def load(cls, phones=False):
        "One query per table: no search per row."
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        party = Party.__table__()
        mechanism = Mechanism.__table__()
        address = Address.__table__()
        cursor = Transaction().connection.cursor()
        index = cls()
        cursor.execute(*party.select(party.id, party.name,
                where=party.active == Literal(True)))
        for id_, name in cursor:
            index.names[id_] = name
        cursor.execute(*mechanism.select(mechanism.value, mechanism.party,
                where=(mechanism.type == 'email')
                & (mechanism.active == Literal(True))))
        for value, party_id in cursor:
            if value and party_id in index.names:
                email = value.strip().lower()
                index.by_email.setdefault(email, party_id)
                index.emails[email].add(party_id)
        if phones:
            cursor.execute(*mechanism.select(
                    mechanism.value, mechanism.party,
                    where=mechanism.type.in_(['phone', 'mobile'])
                    & (mechanism.active == Literal(True))))
            for value, party_id in cursor:
                key = phone_key(value)
                if key and party_id in index.names:
                    index.phones[key].add(party_id)
        cursor.execute(*address.select(address.party, address.postal_code,
                where=address.active == Literal(True)))
        for party_id, postal_code in cursor:
            if not postal_code or party_id not in index.names:
                continue
            postal_code = postal_code.replace(' ', '')
            key = name_key(index.names[party_id])
            index.by_name.setdefault((key, postal_code), party_id)
            index.name_codes[key, postal_code].add(party_id)
            index.by_bucket[postal_code, key[:1]].append((key, party_id))
        return index

    def similar(self, key, postal_code, ratio=SIMILAR_RATIO):
        "A party of the same postal code whose name is nearly the same."
        if not postal_code:
            return None
        for other, party_id in self.by_bucket.get(
                (postal_code, key[:1]), []):
            if similar_names(key, other, ratio):
                return party_id
        return None

    def pairs(self):
        """{(older id, newer id): reason} of the probable duplicates, by
        the strongest reason: e-mail, phone, name, similar name."""
        found = {}

        def add(ids, reason):
            for pair in combinations(sorted(ids), 2):
                found.setdefault(pair, reason)
        for ids in self.emails.values():
            add(ids, 'email')
        for ids in self.phones.values():
            add(ids, 'phone')
        for ids in self.name_codes.values():
            add(ids, 'name')
        for entries in self.by_bucket.values():
            for (key, a), (other, b) in combinations(entries, 2):
                if a != b and key != other and similar_names(key, other):
                    add({a, b}, 'similar')
        return found


class Duplicate(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    """A pair of persons that are probably the same: merged through
    Tryton's Replace wizard (the newer into the older) or dismissed."""
    __name__ = 'connexion.party.duplicate'
    __string__ = "Probable Duplicate"

    party = fields.Many2One(
        'party.party', "Person Kept", required=True, readonly=True,
        ondelete='CASCADE', help="The older record: it stays.")
    other = fields.Many2One(
        'party.party', "Duplicate", required=True, readonly=True,
        ondelete='CASCADE',
        help="The newer record: merged into the person kept.")
    reason = fields.Selection([
            ('email', "Same e-mail"),
            ('phone', "Same phone"),
            ('name', "Same name and postal code"),
            ('similar', "Similar name, same postal code"),
            ], "Reason", readonly=True, required=True, sort=False)
    state = fields.Selection([
            ('open', "To Check"),
            ('merged', "Merged"),
            ('dismissed', "Not a Duplicate"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('pair_unique', Unique(t, t.party, t.other),
                'connexion_asso.msg_duplicate_pair_unique'),
            ]
        cls._order = [('state', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {('open', 'dismissed'), ('dismissed', 'open')}
        cls._buttons.update({
                'merge': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'dismiss': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'dismissed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    def get_rec_name(self, name):
        return f'{self.party.rec_name} / {self.other.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('party.rec_name',) + tuple(clause[1:]),
            ('other.rec_name',) + tuple(clause[1:]),
            ]

    @classmethod
    @ModelView.button_action(
        'connexion_asso.wizard_party_duplicate_replace')
    def merge(cls, duplicates):
        "Open Replace with the duplicate as source, the person kept as target."
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('dismissed')
    def dismiss(cls, duplicates):
        "Not the same person: the pair is not proposed again."
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, duplicates):
        pass

    @classmethod
    def find(cls):
        """Record the probable pairs not known yet (dismissed ones stay
        dismissed); pairs whose person was merged or deactivated since are
        removed. Returns the new pairs."""
        index = PartyIndex.load(phones=True)
        pairs = index.pairs()
        known = {}
        for duplicate in cls.search([]):
            known[duplicate.party.id, duplicate.other.id] = duplicate
        stale = [d for k, d in known.items()
            if d.state == 'open' and k not in pairs]
        if stale:
            cls.delete(stale)
        return cls.create([{'party': a, 'other': b, 'reason': reason}
                for (a, b), reason in sorted(pairs.items())
                if (a, b) not in known])


class Find(Wizard):
    "Find the probable duplicates, then show the pairs to check."
    __name__ = 'connexion.party.duplicate.find'
    start = StateTransition()
    open_ = StateAction('connexion_asso.act_party_duplicate_form')

    def transition_start(self):
        Pool().get('connexion.party.duplicate').find()
        return 'open_'


class ReplaceAsk(metaclass=PoolMeta):
    __name__ = 'party.replace.ask'

    @classmethod
    def _duplicate(cls):
        context = Transaction().context
        if (context.get('active_model') == 'connexion.party.duplicate'
                and context.get('active_id')):
            return Pool().get('connexion.party.duplicate')(
                context['active_id'])

    @classmethod
    def default_source(cls):
        duplicate = cls._duplicate()
        if duplicate:
            return duplicate.other.id
        return super().default_source()

    @classmethod
    def default_destination(cls):
        duplicate = cls._duplicate()
        if duplicate:
            return duplicate.party.id


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    def transition_replace(self):
        "The pair merged is closed; the source's other pairs go away."
        pool = Pool()
        Duplicate = pool.get('connexion.party.duplicate')
        source, destination = self.ask.source, self.ask.destination
        pairs = Duplicate.search([
                ('state', '=', 'open'),
                ['OR', ('party', '=', source.id), ('other', '=', source.id)],
                ])
        merged = [d for d in pairs
            if {d.party, d.other} == {source, destination}]
        others = [d for d in pairs if d not in merged]
        state = super().transition_replace()
        if merged:
            # The merge is this pair's last step, done by the wizard.
            with workflow_values_allowed():
                Duplicate.write(merged, {'state': 'merged'})
        if others:
            Duplicate.delete(others)
        return state
