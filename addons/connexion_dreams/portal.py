"""The volunteer's hospital visits and dreams on the portal's home page and
in their calendar feed.

Only the logged-in volunteer's own: visits they are planned on, dreams they
follow as tutor or prepare in the pair. The child appears by first name
only on the home page, as the volunteers call them, and by its initial in
the calendar feed (calendar applications copy it to third-party clouds).
"""
import datetime as dt

from sql import Cast, Literal, Null, Union
from sql.conditionals import Coalesce

from trytond.i18n import gettext

from connexion_portal.queries import execute, parse_datetime
from connexion_portal.registry import (
    Event, add_calendar_source, add_home_section)
from connexion_portal.template import selection

from .dream import OPEN_STATES

# How far ahead the planned visits are shown; how many of each.
VISIT_DAYS = 45
LIMIT = 10
CALENDAR_LIMIT = 500


def _visits_tables(pool):
    """The volunteer's visits joined to their hospital's name.

    Never the service: a ward ("Oncologie pédiatrique") tells the children's
    illness, and the calendar feed is copied to third-party clouds."""
    Visit = pool.get('connexion.hospital.visit')
    VisitVolunteer = pool.get('connexion.hospital.visit-connexion.volunteer')
    Hospital = pool.get('connexion.hospital')
    Party = pool.get('party.party')
    visit = Visit.__table__()
    rel = VisitVolunteer.__table__()
    hospital = Hospital.__table__()
    party = Party.__table__()
    query = rel.join(visit, condition=rel.visit == visit.id
        ).join(hospital, condition=visit.hospital == hospital.id
        ).join(party, condition=hospital.party == party.id)
    return query, rel, visit, party


def _my_dreams_tables(pool, volunteer):
    """The dreams joined to their child's name, and the ids of those the
    volunteer follows (tutor or pair)."""
    Dream = pool.get('connexion.dream')
    DreamVolunteer = pool.get('connexion.dream-connexion.volunteer')
    Child = pool.get('connexion.child')
    Wish = pool.get('connexion.dream.wish')
    Party = pool.get('party.party')
    dream = Dream.__table__()
    rel = DreamVolunteer.__table__()
    child = Child.__table__()
    wish = Wish.__table__()
    party = Party.__table__()
    mine = Union(
        dream.select(dream.id.as_('dream'), where=dream.tutor == volunteer),
        rel.select(rel.dream.as_('dream'), where=rel.volunteer == volunteer))
    query = dream.join(child, condition=dream.child == child.id
        ).join(party, condition=child.party == party.id
        ).join(wish, 'LEFT', condition=dream.chosen_wish == wish.id)
    return query, dream, mine, party, wish


def _home_query(pool, volunteer, now, until):
    """The coming visits then the open dreams of the volunteer, in one query
    (one round trip less per home page): rows of (kind, id, start, end,
    hospital or child name, nothing or wish, dream date, state, tutor?)."""
    query, rel, visit, party = _visits_tables(pool)
    visits = query.select(visit.id.as_('id'), visit.start.as_('start'),
        visit.end.as_('end'), party.name.as_('name'),
        Cast(Null, 'VARCHAR').as_('detail'),
        where=(rel.volunteer == volunteer)
        & (visit.state == 'planned')
        & (visit.end >= now) & (visit.start < until),
        order_by=[visit.start.asc, visit.id.asc], limit=LIMIT)
    query, dream, mine, party, wish = _my_dreams_tables(pool, volunteer)
    dreams = query.select(dream.id.as_('id'), party.name.as_('name'),
        wish.description.as_('detail'), dream.dream_date.as_('date'),
        dream.state.as_('state'), (dream.tutor == volunteer).as_('tutor'),
        where=dream.id.in_(mine) & dream.state.in_(OPEN_STATES),
        order_by=[dream.dream_date.asc.nulls_last, dream.id.asc],
        limit=LIMIT)
    return Union(
        visits.select(Literal(1), visits.id, visits.start, visits.end,
            visits.name, visits.detail, Cast(Null, 'DATE'),
            Cast(Null, 'VARCHAR'), Cast(Null, 'BOOLEAN')),
        dreams.select(Literal(2), dreams.id, Cast(Null, 'TIMESTAMP'),
            Cast(Null, 'TIMESTAMP'), dreams.name, dreams.detail, dreams.date,
            dreams.state, dreams.tutor),
        all_=True)


def my_visits_and_dreams(page):
    """The volunteer's planned visits: (start, end, hospital), and
    open dreams: (child name, wish, dream date, state, tutor?)."""
    now = dt.datetime.now()
    cursor = execute(page.pool, 'connexion_dreams.home', _home_query,
        volunteer=page.volunteer_id, now=now,
        until=now + dt.timedelta(days=VISIT_DAYS))
    visits, dreams = [], []
    for kind, id_, start, end, name, detail, date, state, tutor in cursor:
        if kind == 1:
            start = parse_datetime(start)
            visits.append(((start, id_),
                    (start, parse_datetime(end), name)))
        else:
            date = parse_datetime(date)
            dreams.append(((date is None, date or dt.date.min, id_),
                    (name, detail, date, state, bool(tutor))))
    # UNION ALL keeps no order: each part's own, again.
    return ([row for _, row in sorted(visits, key=lambda r: r[0])],
        [row for _, row in sorted(dreams, key=lambda r: r[0])])


def home_section(page):
    "My visits and my dreams, or nothing for a volunteer without any."
    if not page.volunteer_id:
        return ''
    visits, dreams = my_visits_and_dreams(page)
    if not visits and not dreams:
        return ''
    Dream = page.pool.get('connexion.dream')
    return page.fragment('connexion_dreams/templates/portal_home.html',
        visits=visits, dreams=dreams, states=selection(Dream, 'state'))


add_home_section(20, home_section)


# The calendar feed


def _visit_events_query(pool, volunteer, since):
    query, rel, visit, party = _visits_tables(pool)
    return query.select(visit.id, visit.start, visit.end, party.name,
        Coalesce(visit.write_date, visit.create_date),
        where=(rel.volunteer == volunteer)
        & visit.state.in_(['planned', 'done']) & (visit.end >= since),
        order_by=[visit.start.asc], limit=CALENDAR_LIMIT)


def visit_events(pool, volunteer_id, since):
    "The visits the volunteer is planned on (or took part in)."
    cursor = execute(pool, 'connexion_dreams.calendar_visits',
        _visit_events_query, volunteer=volunteer_id, since=since)
    return [Event(f'visit-{id_}',
            gettext('connexion_dreams.msg_portal_visit_event'),
            parse_datetime(start), parse_datetime(end), hospital,
            parse_datetime(stamp))
        for id_, start, end, hospital, stamp in cursor]


def _dream_events_query(pool, volunteer, since):
    query, dream, mine, party, _ = _my_dreams_tables(pool, volunteer)
    return query.select(dream.id, party.name, dream.dream_date,
        Coalesce(dream.write_date, dream.create_date),
        where=dream.id.in_(mine) & ~dream.state.in_(['refused', 'cancelled'])
        & (dream.dream_date >= since),
        order_by=[dream.dream_date.asc], limit=CALENDAR_LIMIT)


def initial(name):
    "« Noé Lambert » → « N. »: a child in a calendar feed (GDPR)."
    name = (name or '').strip()
    return name[0].upper() + '.' if name else ''


def dream_events(pool, volunteer_id, since):
    "The dates of the dreams the volunteer follows, as all-day events."
    cursor = execute(pool, 'connexion_dreams.calendar_dreams',
        _dream_events_query, volunteer=volunteer_id, since=since.date())
    events = []
    for id_, name, date, stamp in cursor:
        date = parse_datetime(date)
        events.append(Event(f'dream-{id_}',
                gettext('connexion_dreams.msg_portal_dream_event',
                    initial=initial(name)),
                date, date + dt.timedelta(days=1), None,
                parse_datetime(stamp)))
    return events


add_calendar_source(20, visit_events)
add_calendar_source(30, dream_events)
