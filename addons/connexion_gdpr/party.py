"""What the GDPR needs to know about each person: category, last contact."""
from collections import defaultdict

from sql import Column, Null, Union

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ChatMixin, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)

CATEGORIES = [
    (None, ""),
    ('prospect', "Prospect"),
    ('donor', "Donor"),
    ('member', "Member"),
    ('volunteer', "Volunteer"),
    ('beneficiary', "Beneficiary"),
    ('family', "Family"),
    ('hospital_contact', "Hospital Contact"),
    ('partner', "Partner"),
    ]


class Party(ChatMixin, metaclass=PoolMeta):
    "The teams discuss a person in the party's chat, which erasure clears."
    __name__ = 'party.party'

    gdpr_category = fields.Function(fields.Selection(
            CATEGORIES, "Data Subject Category",
            help="Computed from the person's records (gifts, memberships, "
            "volunteering, hospital, dreams); a person with none is a "
            "prospect. Decides which retention rule applies."),
        'get_gdpr_category', searcher='search_gdpr_category')
    gdpr_last_contact = fields.Date(
        "Last Contact from the Person",
        help="Last time the person contacted the association (a gift, a "
        "reply, a form); opening an e-mail does not count.")
    gdpr_erased = fields.Date(
        "Anonymised On", readonly=True,
        help="The person's data was erased: only what the law requires to "
        "keep remains.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'gdpr_erase_wizard': {
                    'invisible': Bool(Eval('gdpr_erased')),
                    'depends': ['gdpr_erased'],
                    },
                'gdpr_subject_access_wizard': {},
                })

    @classmethod
    @ModelView.button_action('connexion_gdpr.wizard_erase')
    def gdpr_erase_wizard(cls, parties):
        pass

    @classmethod
    @ModelView.button_action('connexion_gdpr.wizard_subject_access')
    def gdpr_subject_access_wizard(cls, parties):
        pass

    @classmethod
    def gdpr_category_sources(cls):
        """[(sequence, category, model name, party field)]: a person is in
        the category of her first source by sequence, a prospect without
        any. Modules append their own models (super first)."""
        return [(50, 'volunteer', 'connexion.volunteer', 'party')]

    @classmethod
    def _gdpr_category_tables(cls):
        "[(category, table, party column)] by priority."
        pool = Pool()
        result = []
        for _, category, model_name, field_name in sorted(
                cls.gdpr_category_sources()):
            table = pool.get(model_name).__table__()
            result.append((category, table, Column(table, field_name)))
        return result

    @classmethod
    def get_gdpr_category(cls, parties, name):
        cursor = Transaction().connection.cursor()
        result = {}
        sources = cls._gdpr_category_tables()
        for sub_ids in grouped_slice(
                [p.id for p in parties], backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            for category, table, column in sources:
                cursor.execute(*table.select(column,
                        where=reduce_ids(column, sub_ids),
                        group_by=[column]))
                for party_id, in cursor:
                    result.setdefault(party_id, category)
        return {p.id: result.get(p.id, 'prospect') for p in parties}

    @classmethod
    def search_gdpr_category(cls, name, clause):
        _, operator, value = clause[:3]
        tests = {
            '=': lambda c: c == value,
            '!=': lambda c: c != value,
            'in': lambda c: c in (value or []),
            'not in': lambda c: c not in (value or []),
            }
        test = tests.get(operator, lambda c: False)
        wanted = {c for c, _ in CATEGORIES if c and test(c)}
        sources = cls._gdpr_category_tables()

        def ids(source):
            _, table, column = source
            return table.select(column, where=column != Null)

        queries = []
        for i, source in enumerate(sources):
            if source[0] not in wanted:
                continue
            query = ids(source)
            if i:
                query.where &= ~source[2].in_(
                    Union(*map(ids, sources[:i]), all_=True)
                    if i > 1 else ids(sources[0]))
            queries.append(query)
        if 'prospect' in wanted:
            party = cls.__table__()
            queries.append(party.select(party.id,
                    where=~party.id.in_(Union(*map(ids, sources), all_=True)
                        if len(sources) > 1 else ids(sources[0]))))
        if not queries:
            return [('id', '=', None)]
        return [('id', 'in', Union(*queries, all_=True)
                if len(queries) > 1 else queries[0])]

    @classmethod
    def gdpr_record_contact(cls, contacts):
        """Record the last contact coming from each person, [(party,
        date)]: a gift received, a fee paid, a mandate signed, a portal
        login, a consent given or withdrawn. The date only moves forward
        (never past today); erased persons are left alone."""
        today = Pool().get('ir.date').today()
        latest = {}
        for party, date in contacts:
            if party is None or date is None:
                continue
            party_id = int(party)
            date = min(date, today)
            if party_id not in latest or latest[party_id] < date:
                latest[party_id] = date
        if not latest:
            return
        to_write = defaultdict(list)
        with without_check_access(), inactive_records():
            for party in cls.browse(list(latest)):
                date = latest[party.id]
                if party.gdpr_erased:
                    continue
                if not party.gdpr_last_contact or (
                        party.gdpr_last_contact < date):
                    to_write[date].append(party)
            args = []
            for date, parties in to_write.items():
                args.extend((parties, {'gdpr_last_contact': date}))
            if args:
                cls.write(*args)

    @classmethod
    def gdpr_retention_blockers(cls, party_ids, limit):
        """{party id: reason} of the parties that retention must keep,
        although no contact came from them since limit: a relationship
        still running or recent activity. Modules extend it."""
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        Hours = pool.get('connexion.volunteer.hours')
        volunteer, hours = Volunteer.__table__(), Hours.__table__()
        cursor = Transaction().connection.cursor()
        result = {}
        for sub_ids in grouped_slice(
                party_ids, backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            cursor.execute(*volunteer.select(volunteer.party,
                    where=reduce_ids(volunteer.party, sub_ids)
                    & (volunteer.status != 'left')))
            for party_id, in cursor:
                result.setdefault(party_id, gettext(
                        'connexion_gdpr.msg_kept_volunteer'))
            cursor.execute(*hours.join(volunteer,
                    condition=hours.volunteer == volunteer.id).select(
                    volunteer.party,
                    where=reduce_ids(volunteer.party, sub_ids)
                    & (hours.date >= limit)))
            for party_id, in cursor:
                result.setdefault(party_id, gettext(
                        'connexion_gdpr.msg_kept_recent_activity'))
        return result

    @classmethod
    def gdpr_records_by_email(cls, emails):
        """The records about a person found by her e-mail addresses rather
        than by a link to her party, for the right of access: modules
        extend it (super first)."""
        return []

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default else {}
        default.setdefault('gdpr_erased', None)
        default.setdefault('gdpr_last_contact', None)
        return super().copy(parties, default=default)
