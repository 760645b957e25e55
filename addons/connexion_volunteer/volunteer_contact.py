"""The contact details a back-office volunteer may read.

Staff read every party's addresses and contact mechanisms; a volunteer of
the group "Volunteers" (a dream tutor...) only those of the people their
assignments put them in touch with: themselves and, as each module adds
them, e.g. the children and families of their dreams. Donors and the other
volunteers stay out of reach (record rules in volunteer_contact.xml).
"""
from sql import Literal, Union

from trytond.model import fields
from trytond.model.modelstorage import is_leaf
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

    # Record rules filter the records a search returns, not the related
    # records its domain goes through (Tryton converts nested domains without
    # access checks): ('contact_mechanisms.value', '=', e-mail) would tell a
    # volunteer which donor owns an address. Their leaves on these fields
    # are limited to the parties the volunteer is in touch with.
    _contact_paths = {'addresses', 'contact_mechanisms'}

    @classmethod
    def search_domain(cls, domain, active_test=None, tables=None):
        user_id = cls._contact_restricted_user()
        if user_id:
            domain = cls._restrict_contact_leaves(domain, user_id)
        return super().search_domain(
            domain, active_test=active_test, tables=tables)

    @classmethod
    def _contact_restricted_user(cls):
        """The user, when the record rules give them the contact details of
        their contacts only (group Volunteers without staff's group)."""
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user_id = Transaction().user
        if not user_id:
            return None
        groups = User.get_groups()
        if (ModelData.get_id('connexion_asso', 'group_volunteer') in groups
                and ModelData.get_id('connexion_asso', 'group_connexion')
                not in groups):
            return user_id
        return None

    @classmethod
    def _restrict_contact_leaves(cls, domain, user_id):
        if is_leaf(domain):
            if domain[0].split('.', 1)[0] in cls._contact_paths:
                return ['AND', domain, ('contact_of', '=', user_id)]
            return domain
        if isinstance(domain, str) or not domain:
            return domain
        return [cls._restrict_contact_leaves(d, user_id) for d in domain]
