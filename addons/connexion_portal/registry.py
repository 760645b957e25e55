"""The portal's extension points, which the other modules call when
imported: menu entries (``add_nav``), home page sections
(``add_home_section``), the web user's profile joined to the session
(``add_profile``), checks at login (``add_login_check``) and the sources of
the volunteer's calendar feed (``add_calendar_source``).

Each entry remembers the module that registered it: it is shown or served
only on the databases where that module is activated (``activated``).
"""
import datetime as dt
import sys
from typing import Callable, NamedTuple, Optional, Union

# (sequence, path, label) of the menu; (sequence, func) of the home page
# and of the calendar feed.
NAV = []
HOME_SECTIONS = []
CALENDAR_SOURCES = []

# Module that registered each menu entry, home section or page: shown or
# served only on the databases where that module is activated.
_OWNER = {}


def module_of(name):
    "'connexion_ideas.portal_routes' or 'trytond.modules.x.y' → module."
    parts = name.split('.')
    if parts[:2] == ['trytond', 'modules'] and len(parts) > 2:
        return parts[2]
    return parts[0]


def _caller_module():
    return module_of(sys._getframe(2).f_globals.get('__name__', ''))


def activated(pool, key):
    "Whether the module that registered key is activated in the database."
    module = _OWNER.get(key)
    return module is None or module in pool._modules


def add_nav(sequence, path, message, module=None):
    """Add a menu entry (path under the portal, e.g. '/idees') labelled by
    the ir.message message ('module.msg_x')."""
    entry = (sequence, path, message)
    _OWNER[('nav', path)] = module or _caller_module()
    if entry not in NAV:
        NAV.append(entry)
        NAV.sort()


def add_home_section(sequence, func, module=None):
    "func(page) returns an HTML fragment shown on the home page, or ''."
    entry = (sequence, func)
    _OWNER[('home', func)] = module or _caller_module()
    if entry not in HOME_SECTIONS:
        HOME_SECTIONS.append(entry)
        HOME_SECTIONS.sort(key=lambda e: e[0])


def home_sections(page):
    "The HTML of the home sections of the database's activated modules."
    return [func(page) or '' for _, func in HOME_SECTIONS
        if activated(page.pool, ('home', func))]


# The web user's profile on the portal (connexion_volunteer's volunteer),
# joined to the session query that every page runs; the checks at login.
PROFILES = []
LOGIN_CHECKS = []


class Profile(NamedTuple):
    """join(pool, query, user) returns (query LEFT JOINed to the profile's
    table on user, the web user's table; the columns to read); load(page,
    values) sets the page's attributes from the columns' values, in the
    order join gave them, and returns the ir.message id that ends the
    session (a profile shut out of the portal), or None."""
    name: str
    join: Callable
    load: Callable


def add_profile(name, join, load, module=None):
    "Join a profile of the web user (see Profile) to the session query."
    profile = Profile(name, join, load)
    _OWNER[('profile', name)] = module or _caller_module()
    if profile not in PROFILES:
        PROFILES.append(profile)


def profiles(pool):
    "The Profiles of the database's activated modules."
    return [p for p in PROFILES if activated(pool, ('profile', p.name))]


def add_login_check(func, module=None):
    """func(pool, web_user) returns the ir.message id refusing the web user
    the portal (checked at login, after the password), or None."""
    _OWNER[('login', func)] = module or _caller_module()
    if func not in LOGIN_CHECKS:
        LOGIN_CHECKS.append(func)


def login_refusal(pool, user):
    "The ir.message id refusing the web user at login, or None."
    for func in LOGIN_CHECKS:
        if activated(pool, ('login', func)):
            refusal = func(pool, user)
            if refusal:
                return refusal


class Event(NamedTuple):
    """One event of a volunteer's calendar feed.

    uid: stable key of the record ('visit-12'), the same on every read so
    that calendar applications update the event instead of adding one.
    start, end: naive UTC datetimes, or dates for an all-day event (end
    excluded). Text is read by the volunteer's calendar application, often
    synced to a third-party cloud: no health data, no full child name."""
    uid: str
    summary: str
    start: Union[dt.datetime, dt.date]
    end: Union[dt.datetime, dt.date]
    location: Optional[str] = None
    stamp: Optional[dt.datetime] = None


def add_calendar_source(sequence, func, module=None):
    """func(pool, volunteer_id, since) returns the volunteer's Events that
    end after since (a naive UTC datetime), for the iCalendar feed."""
    entry = (sequence, func)
    _OWNER[('calendar', func)] = module or _caller_module()
    if entry not in CALENDAR_SOURCES:
        CALENDAR_SOURCES.append(entry)
        CALENDAR_SOURCES.sort(key=lambda e: e[0])


def calendar_events(pool, volunteer_id, since):
    "The Events of the database's activated modules, by start."
    events = []
    for _, func in CALENDAR_SOURCES:
        if activated(pool, ('calendar', func)):
            events.extend(func(pool, volunteer_id, since))

    def key(event):
        start = event.start
        if not isinstance(start, dt.datetime):
            start = dt.datetime.combine(start, dt.time())
        return start, event.uid
    return sorted(events, key=key)

