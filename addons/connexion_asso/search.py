"""Finding a person by part of a name, e-mail, phone or code, at once and
without caring for accents, among a hundred thousand contacts.

On PostgreSQL, Tryton searches a person's name as
immutable_unaccent(COALESCE(name, '')) ILIKE immutable_unaccent('%...%') and
indexes that very expression with a trigram index (its own index of the
rec_name, Index.Unaccent) once config/postgresql.sql has installed pg_trgm,
unaccent and the immutable wrapper named by [database] unaccent_function.
"""
from sql import Column, Literal, Union
from sql.conditionals import Coalesce
from sql.functions import Function
from sql.operators import BinaryOperator

from trytond import backend
from trytond.model import Index, convert_from, fields
from trytond.pool import PoolMeta
from trytond.transaction import Transaction

from .duplicate import name_key, name_ratio

SUGGESTIONS = 10
CANDIDATE_THRESHOLD = 0.5


class WordSimilar(BinaryOperator):
    """pg_trgm's text <% text: the first one is close to a part of the
    second (word_similarity above pg_trgm.word_similarity_threshold); a
    trigram index on the second one answers it."""
    __slots__ = ()
    _operator = '<%%'  # '%' doubled for the driver's parameters


class WordSimilarity(Function):
    __slots__ = ()
    _function = 'word_similarity'


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def search_rec_name(cls, name, clause):
        """The parties matching any of the rec_name's fields, as one union
        of queries, each on its own table and index. Tryton's OR of the same
        leaves joins the e-mails and identifiers through sub-queries that
        PostgreSQL runs for every party (a full scan of the table, plus JIT
        compilation: 0.8 s at 100,000 contacts)."""
        domain = super().search_rec_name(name, clause)
        if (not isinstance(domain, list) or len(domain) < 3
                or domain[0] != 'OR'):
            return domain
        queries = [cls._rec_name_query(leaf) for leaf in domain[1:]]
        return [('id', 'in', Union(*queries, all_=True))]

    @classmethod
    def autocomplete(cls, text, domain=None, limit=None, order=None):
        """The completion of a field that links to a person (a donor, a
        volunteer...) also proposes the names close to what is typed, after
        those that contain it: "Dupond" proposes "Jean Dupont"."""
        result = super().autocomplete(
            text, domain=domain, limit=limit, order=order)
        wanted = (limit or SUGGESTIONS) - len(result)
        if wanted > 0:
            known = {r['id'] for r in result}
            for party in cls.search_similar(text, limit=wanted + len(known),
                    domain=domain):
                if party.id not in known and wanted > 0:
                    result.append({
                            'id': party.id,
                            'name': party.rec_name,
                            'defaults': None,
                            })
                    wanted -= 1
        return result

    @classmethod
    def search_similar(cls, text, limit=SUGGESTIONS, domain=None):
        """The parties whose name comes close to the text though spelled
        otherwise (a typo, accents, word order), closest first: the
        suggestions of a search, compared as the duplicate check compares
        names (duplicate.name_ratio). The search's record rules and domain
        apply."""
        key = name_key(text)
        if len(key) < 3:
            return []
        scores = {}
        for party_id, name in cls._similar_candidates(text):
            score = name_ratio(key, name_key(name))
            if score:
                scores[party_id] = score
        if not scores:
            return []
        parties = cls.search([
                ('id', 'in', list(scores)),
                domain or [],
                ])
        parties.sort(key=lambda p: (-scores[p.id], p.id))
        return parties[:limit]

    @classmethod
    def _similar_candidates(cls, text, count=100):
        """(id, name) of the active parties that may be close to the text:
        on PostgreSQL those that pg_trgm finds close to a part of the name,
        through the trigram index of the name (the same unaccented
        expression); on SQLite, all of them."""
        transaction = Transaction()
        database = transaction.database
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        where = table.active == Literal(True)
        if backend.name == 'postgresql' and database.has_similarity():
            column = database.unaccent(Coalesce(table.name, ''))
            value = database.unaccent(Literal(text))
            # Below pg_trgm's default of 0.6: "Lefevbre" has 0.56 of
            # "Lefèvre"; the names are then compared one by one.
            cursor.execute("SELECT set_config("
                "'pg_trgm.word_similarity_threshold', %s, true)",
                (str(CANDIDATE_THRESHOLD),))
            try:
                cursor.execute(*table.select(table.id, table.name,
                        where=where & WordSimilar(value, column),
                        order_by=[
                            WordSimilarity(value, column).desc, table.id],
                        limit=count))
                return cursor.fetchall()
            finally:
                cursor.execute("RESET pg_trgm.word_similarity_threshold")
        elif backend.name == 'sqlite':
            # The demo's few hundred names, compared one by one.
            cursor.execute(*table.select(table.id, table.name, where=where))
            return cursor.fetchall()
        # PostgreSQL without pg_trgm (config/postgresql.sql not run): no
        # suggestions rather than every name read at each keystroke.
        return []

    @classmethod
    def _contact_restricted_user(cls):
        """The user whose searches on contact details reach only the people
        they are in touch with (connexion_volunteer's back-office
        volunteers), else None."""
        return None

    @classmethod
    def _rec_name_query(cls, leaf):
        "SQL query of the ids of the parties that match the leaf."
        field_name, _, target_name = leaf[0].partition('.')
        field = cls._fields.get(field_name)
        if (target_name and isinstance(field, fields.One2Many)
                and not field.filter
                and not cls._contact_restricted_user()):
            # The party column of the matching e-mails, phones or
            # identifiers: their index alone, not a scan of every party.
            Target = field.get_target()
            tables, expression = Target.search_domain(
                [(target_name, *leaf[1:])])
            table, _ = tables[None]
            return convert_from(None, tables).select(
                Column(table, field.field), where=expression)
        # Through search_domain, hence through the restrictions put on
        # leaves (a volunteer's searches on contact mechanisms,
        # connexion_volunteer's volunteer_contact.py); the active test and
        # the record rules apply once, to the search itself.
        tables, expression = cls.search_domain([leaf], active_test=False)
        table, _ = tables[None]
        return convert_from(None, tables).select(table.id, where=expression)


class ContactMechanism(metaclass=PoolMeta):
    __name__ = 'party.contact_mechanism'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Tryton searches COALESCE(value_compact, '') (value_compact is not
        # searched unaccented) but indexes unaccent(value_compact): this
        # index matches the search.
        cls._sql_indexes.add(
            Index(t, (Coalesce(t.value_compact, ''), Index.Similarity())))
