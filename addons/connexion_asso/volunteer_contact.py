"""The contact details a back-office volunteer may read.

Staff read every party's addresses and contact mechanisms; a volunteer of
the group "Volunteers" (a dream tutor...) only those of the people their
assignments put them in touch with: themselves and, as each module adds
them, e.g. the children and families of their dreams. Donors and the other
volunteers stay out of reach (record rules in volunteer_contact.xml).
"""
from sql import Literal, Union

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    contact_of = fields.Function(fields.Many2One(
            'res.user', "Contact of",
            help="The current user, when their assignments put them in "
            "touch with this party."),
        'get_contact_of', searcher='search_contact_of')

    @classmethod
    def _contact_queries(cls, user_id):
        """SQL queries of the ids of the parties that the volunteer using
        the back office as user_id is in touch with. Each module appends
        its own with super()."""
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        volunteer = Volunteer.__table__()
        return [volunteer.select(volunteer.party,
                where=volunteer.user == user_id)]

    @classmethod
    def _contact_query(cls, user_id):
        queries = cls._contact_queries(user_id)
        if len(queries) == 1:
            return queries[0]
        return Union(*queries)

    @classmethod
    def get_contact_of(cls, parties, name):
        user_id = Transaction().user
        result = dict.fromkeys((p.id for p in parties), None)
        if not user_id:
            return result
        cursor = Transaction().connection.cursor()
        cursor.execute(*cls._contact_query(user_id))
        reachable = {party_id for party_id, in cursor}
        for party in parties:
            if party.id in reachable:
                result[party.id] = user_id
        return result

    @classmethod
    def search_contact_of(cls, name, clause):
        _, operator, value = clause
        if operator != '=' or not isinstance(value, int) or value < 0:
            return [('id', '=', -1)]
        # The rules run as root: the user comes in the clause.
        return [('id', 'in', cls._contact_query(Literal(value)))]
