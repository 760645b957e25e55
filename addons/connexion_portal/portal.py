"""The volunteer portal's shared machinery: layout, session, CSRF.

The portal is a handful of plain HTML pages served by trytond routes (like
marketing_email), for volunteers on a phone who are not at ease with
computers: one column, big buttons, French, no JavaScript.

Pages are Genshi templates (escaped by default) in each module's
``templates/`` folder, each registered as an ``ir.action.report`` of its
module (see ``portal.xml``) so that Tryton extracts their strings and
translates them through the module's ``fr.po``. A page includes the one
layout (header, menu, messages, footer) and the form controls::

    <html xmlns:py="http://genshi.edgewall.org/"
        xmlns:xi="http://www.w3.org/2001/XInclude" lang="${language}">
    <xi:include href="connexion_portal/templates/portal_layout.html"/>
    <py:def function="page_title">Idea Box</py:def>
    <head/>
    <body>
    <form method="post" action="${url('/idees')}">
    ${csrf()}
    <label for="titre">Title</label>
    ${input('titre', attrs={'required': True})}
    <button type="submit" class="primary">Send</button>
    </form>
    </body>
    </html>

Another module adds a page in a file imported by its ``__init__.py`` (as
marketing_email imports its routes)::

    from connexion_portal import portal

    @portal.route('/idees', methods=['GET', 'POST'])
    def ideas(request, page):
        form = portal.Form()
        if request.method == 'POST':      # CSRF already checked
            form = portal.Form(request.form)
            if not form.get('titre').strip():
                form.error('titre', gettext('my_module.msg_title'))
            else:
                return page.redirect('/idees', gettext('my_module.msg_ok'))
        return page.render('my_module/templates/portal_ideas.html',
            form=form, status=400 if form.errors else 200)

    portal.add_nav(40, '/idees', 'my_module.msg_portal_nav_ideas')
    portal.add_home_section(40, lambda page: page.fragment(...))
    portal.add_calendar_source(40, my_events)   # the volunteer's iCalendar

connexion_volunteer joins the volunteer to the session (``add_profile``)
and refuses a volunteer who left (``add_login_check``).

After an error a form comes back as typed with each error next to its field
(``Form``; the controls of ``templates/portal_fields.html``). Texts from
Python (errors, messages after a redirect, refusals) are ``ir.message``
records; state labels come from the models' translated selections
(``selection``).

Every page goes through ``french_spaces`` (non-breaking spaces before
« ? ! : ; »): write ordinary spaces.

``page`` (a ``Page``) holds the pool, the web user, the volunteer (both
None on public pages; the volunteer joined by connexion_volunteer; their
``user_id`` and ``volunteer_id`` cost nothing, the records are made on
first use), the CSRF token, and renders the pages
(``render``, ``fragment``, ``redirect``, ``error``). Routes run as root:
filter every query on ``page.volunteer`` yourself.
"""
import datetime as dt
import functools
import hashlib
import hmac
import html
import logging
import os
import re
import secrets
import sys
import urllib.parse
from typing import Callable, NamedTuple, Optional, Union

from genshi.core import END, START, TEXT, Markup
from genshi.filters import Translator
from genshi.template import TemplateLoader
from werkzeug.exceptions import (
    HTTPException, NotFound, RequestEntityTooLarge)

from sql.conditionals import Coalesce

from trytond import backend
from trytond.cache import Cache
from trytond.config import config
from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.tools import file_open, find_path
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from connexion_asso import formatting, public
from .portal_forms import MAX_ID, has_nul

logger = logging.getLogger(__name__)

PREFIX = '/<database_name>/portal'
SESSION_COOKIE = 'connexion_portal'
CSRF_COOKIE = 'connexion_portal_csrf'
FLASH_COOKIE = 'connexion_portal_flash'
CSS_URL = '/connexion/portal.css'

# (sequence, path, label) of the menu; (sequence, func) of the home page
# and of the calendar feed.
NAV = []
HOME_SECTIONS = []
CALENDAR_SOURCES = []


# French typography: a non-breaking space before « ? ! ; » (narrow, U+202F)
# and « : » (U+00A0), so that a phone never starts a line with them.
_BEFORE_PUNCTUATION = re.compile(r'[ \t\n]+([?!;:»])')
_AFTER_QUOTE = re.compile(r'«[ \t\n]+')
_TAG = re.compile(r'(<[^>]*>)')
_SHOWN_ATTRIBUTE = re.compile(
    r'(\s(?:placeholder|title|aria-label|alt)=")([^"]*)(")')
_RAW_ELEMENTS = ('textarea', 'style', 'script', 'pre')


def _french_spaces(text):
    text = _BEFORE_PUNCTUATION.sub(
        lambda m: ('\u00a0' if m.group(1) in ':»' else '\u202f')
        + m.group(1), text)
    return _AFTER_QUOTE.sub('«\u00a0', text)


def french_spaces(page):
    """The HTML page with French non-breaking spaces in its text and shown
    attributes, never inside a tag's other attributes (URLs, typed values)
    nor a textarea (what the volunteer typed is sent back as typed)."""
    parts = _TAG.split(page)
    raw = None
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = part[1:].split(None, 1)[0].rstrip('>').lower() \
                if len(part) > 2 else ''
            if raw:
                if name == '/' + raw:
                    raw = None
                continue
            if name in _RAW_ELEMENTS:
                raw = name
            parts[i] = _SHOWN_ATTRIBUTE.sub(
                lambda m: m.group(1) + _french_spaces(m.group(2))
                + m.group(3), part)
        elif not raw:
            parts[i] = _french_spaces(part)
    return ''.join(parts)


# Templates: Genshi, escaped by default, one layout for every page
# (templates/portal_layout.html, included by each page). Each template is
# an ir.action.report of its module (portal.xml), so that Tryton extracts
# its strings and translates them through the module's fr.po, as it does
# for web_user's e-mails.

LAYOUT = 'connexion_portal/templates/portal_layout.html'
_RAW_ELEMENTS_TAGS = frozenset(_RAW_ELEMENTS)
_NEWLINES = re.compile(r'\s*\n\s*')
# Absolute path → 'module/templates/name.html' of the loaded templates.
_TEMPLATE_NAMES = {}
# The reports of the loaded templates.
_REPORT_NAMES = []


class Translations:
    """gettext of a template's strings: its report's ir.translation in the
    transaction's language (trytond's report TranslateFactory, with the
    pool of the request's database).

    Genshi runs the i18n:msg of an included template (the layout's footer,
    a macro) with the gettext of the page that includes it: a text the
    report does not translate is looked up in the other templates'."""

    def __init__(self, report_name):
        self.report_name = report_name

    def gettext(self, text):
        Translation = Pool().get('ir.translation')
        for name in [self.report_name] + _REPORT_NAMES:
            translation = Translation.get_report(name, text)
            if translation != text:
                return translation
        return text

    def ngettext(self, singular, plural, n):
        return Pool().get('ir.translation').get_report(
            self.report_name, singular, plural, n)


def _template_file(name):
    "A template of a module, 'connexion_ideas/templates/x.html'."
    try:
        path = find_path(name)
    except (ImportError, ValueError) as exception:
        raise IOError(str(exception))
    fileobj = open(path, 'rb')
    mtime = os.path.getmtime(path)
    _TEMPLATE_NAMES[path] = name
    # The absolute path as its name: the includes it holds are names from
    # the modules' root, never relative to it.
    return path, path, fileobj, lambda: os.path.getmtime(path) == mtime


def _translated(template):
    "Translate the template's strings with those of its report."
    name = _TEMPLATE_NAMES.get(template.filepath, template.filename)
    with Transaction().set_context(active_test=False):
        reports = Pool().get('ir.action.report').search(
            [('report', '=', name)], limit=1)
    if reports:
        report_name = reports[0].report_name
        if report_name not in _REPORT_NAMES:
            _REPORT_NAMES.append(report_name)
        Translator(Translations(report_name)).setup(template)


# auto_reload: an included template (the layout) is rendered by itself, with
# its own translations, instead of being inlined in the page.
_loader = TemplateLoader([_template_file], callback=_translated,
    auto_reload=True)


def _compact(stream):
    """The template's line breaks and indentation left out of the page
    (text areas and preformatted text kept as they are), and text escaped
    quotes included, as html.escape does."""
    raw = 0
    for kind, data, pos in stream:
        if kind is START and data[0].localname in _RAW_ELEMENTS_TAGS:
            raw += 1
        elif kind is END and data.localname in _RAW_ELEMENTS_TAGS:
            raw -= 1
        elif kind is TEXT and not isinstance(data, Markup):
            if not raw and '\n' in data:
                data = _NEWLINES.sub(' ', data)
                if not data.strip():
                    continue
            data = Markup(html.escape(data))
        yield kind, data, pos


def render_fragment(name, **values):
    "A part of a page from the template name, without the layout."
    return Markup(render_template(name, doctype=None, **values))


def selection(Model, name):
    "The labels of the selection field name, in the page's language."
    return dict(Model.fields_get([name])[name]['selection'])


def render_template(name, doctype='html5', **values):
    "The HTML of the template name ('module/templates/x.html') with values."
    template = _loader.load(name)
    stream = template.generate(**values).filter(_compact)
    return stream.render('html', doctype=doctype, encoding=None)


# Forms: shown again as typed after an error, each error next to its field
# (GOV.UK's pattern: label, hint, error, control; aria-describedby and
# aria-invalid for screen readers; a summary with links at the top).

TYPED_MAX = 10000
DATE_EXAMPLE = dt.date(2026, 3, 14)
DATE_PATTERN = (r'\s*([0-9]{1,2}(/|\.|-)[0-9]{1,2}(/|\.|-)[0-9]{4}'
    r'|[0-9]{4}-[0-9]{2}-[0-9]{2})\s*')


class Form:
    """What a portal form was sent with and what is wrong with it.

    values: the request's form (None when the form is shown empty); files:
    the request's files (a browser cannot fill a file input again)."""

    def __init__(self, values=None, files=None):
        self.values = values
        self.files = files
        self.errors = {}

    @property
    def sent(self):
        return self.values is not None

    def get(self, name, default=''):
        "What was typed in the field (bounded), else default."
        value = self.values.get(name) if self.values is not None else None
        return default if value is None else value[:TYPED_MAX]

    def checked(self, name, default=False):
        "Whether the checkbox was ticked (default when not sent)."
        return self.get(name) == 'on' if self.sent else default

    def error(self, name, message):
        """Record message next to the field name ('' for the whole form);
        the first error of a field is the one shown."""
        self.errors.setdefault(name, message)

    def file_sent(self, name):
        upload = self.files.get(name) if self.files else None
        return bool(upload and (upload.filename or upload.content_length))

    def attributes(self, name, attrs=None, hint=False, note=False):
        """The attributes of the field's control (py:attrs): attrs, then
        aria-describedby (its hint, error and note) and aria-invalid."""
        described = [f'{name}-aide'] if hint else []
        if name in self.errors:
            described.append(f'{name}-erreur')
        if note:
            described.append(f'{name}-note')
        attributes = {k.rstrip('_').replace('_', '-'): v
            for k, v in (attrs or {}).items()}
        attributes['aria-describedby'] = ' '.join(described) or None
        attributes['aria-invalid'] = 'true' if name in self.errors else None
        return attributes

    def selected(self, name, value, default=''):
        "Whether value is the option chosen in the select name."
        return str(value) == str(self.get(name, default))


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


def _ics_text(value):
    "Escape a TEXT value (RFC 5545 3.3.11)."
    return (str(value).replace('\\', '\\\\').replace(';', '\\;')
        .replace(',', '\\,').replace('\r\n', '\\n').replace('\n', '\\n'))


def _ics_fold(line):
    "Lines of at most 75 octets, continued after CRLF + space (3.1)."
    data = line.encode('utf-8')
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # never cut a UTF-8 character
        parts.append(data[start:end].decode('utf-8'))
        start, limit = end, 74
    return '\r\n '.join(parts)


def _ics_time(value):
    if isinstance(value, dt.datetime):
        return ':' + value.strftime('%Y%m%dT%H%M%SZ')
    return ';VALUE=DATE:' + value.strftime('%Y%m%d')


def icalendar(events, name, domain):
    "The text of an iCalendar (RFC 5545) of the events."
    now = dt.datetime.utcnow().replace(microsecond=0)
    lines = ['BEGIN:VCALENDAR', 'VERSION:2.0',
        'PRODID:-//Connexion//Portail benevoles//FR', 'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH', 'X-WR-CALNAME:' + _ics_text(name)]
    for event in events:
        lines += ['BEGIN:VEVENT',
            f'UID:{event.uid}@{domain}',
            'DTSTAMP' + _ics_time(event.stamp or now),
            'DTSTART' + _ics_time(event.start),
            'DTEND' + _ics_time(event.end),
            'SUMMARY:' + _ics_text(event.summary)]
        if event.location:
            lines.append('LOCATION:' + _ics_text(event.location))
        lines.append('END:VEVENT')
    lines.append('END:VCALENDAR')
    return ''.join(_ics_fold(line) + '\r\n' for line in lines)


_association_name = Cache('connexion_portal.association_name', duration=300)


def association_name(pool):
    "The association's name for the header, cached (every page shows it)."
    name = _association_name.get(pool.database_name)
    if name is None:
        association = pool.get('connexion.association').get_singleton()
        name = association.name if association else "Connexion"
        _association_name.set(pool.database_name, name)
    return name


def timeout():
    "Seconds of inactivity (no form sent) after which one logs in again."
    return config.getint('session', 'portal_timeout', default=4 * 60 * 60)


def format_date(date):
    """« samedi 14 mars 2026 »: the day and month names of ir.lang (its
    names are labels, « Samedi », « Mars »: French running text writes them
    in lower case)."""
    lang = Pool().get('ir.lang').get()
    text = '%s %s %s' % (
        lang.strftime(date, '%A'), date.day, lang.strftime(date, '%B %Y'))
    return text.lower() if lang.code.startswith('fr') else text


def format_datetime(start, end=None):
    "« samedi 14 mars 2026, 9 h 00 – 12 h 30 »"
    def time(value):
        return gettext('connexion_portal.msg_portal_time',
            hour=value.hour, minute='%02d' % value.minute)
    text = '%s, %s' % (format_date(start.date()), time(start))
    if end:
        text += ' – %s' % time(end)
    return text


def parse_datetime(value):
    "SQLite gives datetimes and dates back as strings from plain SQL."
    if isinstance(value, str):
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    return value


def local(datetime):
    "Server datetimes are naive UTC; volunteers read Paris time."
    from zoneinfo import ZoneInfo
    return datetime.replace(tzinfo=dt.timezone.utc).astimezone(
        ZoneInfo('Europe/Paris')).replace(tzinfo=None)


class Param:
    "A value given at run time to a query whose SQL text is cached."
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name


_QUERIES = {}


def execute(pool, key, build, /, **values):
    """Run the python-sql query build(pool, **values) and return the cursor.

    The SQL text is written once per process and key: python-sql costs more
    CPU than PostgreSQL's answer on the portal's busiest pages. So build
    must use values only as query parameters (compared, not computed on),
    and give the same query for every value."""
    cached = _QUERIES.get(key)
    if cached is None:
        query = build(pool, **{name: Param(name) for name in values})
        sql, params = tuple(query)
        params = tuple((p.name, None) if isinstance(p, Param) else (None, p)
            for p in params)
        cached = _QUERIES[key] = (sql, params)
    sql, params = cached
    cursor = Transaction().connection.cursor()
    cursor.execute(sql, tuple(values[name] if name else value
            for name, value in params))
    return cursor


_SESSION_KEY = re.compile(r'[0-9a-fA-F]{16,256}')


class Page:
    "What a portal page knows of its request, and how it answers."

    def __init__(self, request, pool):
        self.request = request
        self.pool = pool
        self.database = pool.database_name
        self.base = '/%s/portal' % urllib.parse.quote(self.database)
        key = request.cookies.get(SESSION_COOKIE)
        # web_user's keys are hex: anything else is no session, and never
        # reaches the database (PostgreSQL refuses NUL in text).
        self.session_key = key if key and _SESSION_KEY.fullmatch(key) \
            else None
        # Ids from the session query; the records are made on first use
        # (an instance costs more than the home page's own queries).
        # volunteer_id and info come from connexion_volunteer's profile.
        self.session_id = self.user_id = self.volunteer_id = None
        self.expired = False
        # Why the session ended, shown on the login page.
        self.expired_message = 'connexion_portal.msg_portal_session_expired'
        self.email = None
        self.name = ''
        self.info = {}
        self._cookies = []
        self._flash = request.cookies.get(FLASH_COOKIE)
        if self._flash:
            self._cookies.append((FLASH_COOKIE, '', 0))
        if self.session_key:
            self._load_session()

    def _record(self, model, id_):
        return self.pool.get(model)(id_) if id_ is not None else None

    @functools.cached_property
    def session(self):
        return self._record('web.user.session', self.session_id)

    @functools.cached_property
    def user(self):
        "The logged-in web user, or None."
        return self._record('web.user', self.user_id)

    @functools.cached_property
    def volunteer(self):
        """The logged-in volunteer, or None (a web user without a profile,
        or connexion_volunteer not activated)."""
        return self._record('connexion.volunteer', self.volunteer_id)

    def _load_session(self):
        """One SQL query for the session, its web user and their profiles.

        Every portal page runs it: the ORM would read whole records."""
        pool = self.pool
        profiles_ = profiles(pool)
        # The SQL text is cached per set of profiles (of the database).
        key = ':'.join(
            ['connexion_portal.session'] + [p.name for p in profiles_])
        cursor = execute(pool, key, self._session_query,
            key=self.session_key)
        row = cursor.fetchone()
        if not row:
            self.expired = True
            return
        session_id, last, user_id, active, email, name, *values = row
        last = parse_datetime(last)
        if dt.datetime.now() - last > dt.timedelta(seconds=timeout()):
            self._end_session(session_id)
            return
        if not active:
            return
        values = iter(values)
        for profile in profiles_:
            message = profile.load(self, values)
            if message:
                self._end_session(session_id, message)
                return
        self.session_id, self.user_id = session_id, user_id
        self.email = email
        self.name = name or ''

    def _end_session(self, session_id, message=None):
        "The session is over (message: why, shown on the login page)."
        self.expired = True
        if message:
            self.expired_message = message
        self.volunteer_id, self.info = None, {}
        if not Transaction().readonly:
            Session = self.pool.get('web.user.session')
            Session.delete([Session(session_id)])

    @staticmethod
    def _session_query(pool, key):
        Session = pool.get('web.user.session')
        WebUser = pool.get('web.user')
        Party = pool.get('party.party')
        session = Session.__table__()
        user = WebUser.__table__()
        party = Party.__table__()
        query = session.join(user, condition=session.user == user.id
            ).join(party, 'LEFT', condition=user.party == party.id)
        columns = [
            session.id, Coalesce(session.write_date, session.create_date),
            user.id, user.active, user.email, party.name]
        for profile in profiles(pool):
            query, profile_columns = profile.join(pool, query, user)
            columns.extend(profile_columns)
        return query.select(*columns, where=session.key == key, limit=1)

    # URLs, cookies and answers

    def url(self, path='/', **query):
        "The path of a portal page (for links inside the portal)."
        url = self.base + path
        if query:
            url += '?' + urllib.parse.urlencode(query)
        return url

    def absolute_url(self, path='/', **query):
        """The URL of a portal page for outside the portal (e-mails,
        calendar applications): from [connexion] public_url, never from the
        request's Host header."""
        return public.absolute_url(self.url(path, **query))

    def set_cookie(self, name, value, max_age=None):
        self._cookies.append((name, value, max_age))

    def _finish(self, response):
        # Behind the HTTPS proxy the request itself is often plain HTTP.
        secure = public.is_secure() or self.request.scheme == 'https'
        for name, value, max_age in self._cookies:
            response.set_cookie(
                name, value, max_age=max_age, path=self.base + '/',
                httponly=True, samesite='Lax', secure=secure)
        headers = response.headers
        headers['Cache-Control'] = 'no-store'
        headers['X-Frame-Options'] = 'DENY'
        headers['X-Content-Type-Options'] = 'nosniff'
        # Not no-referrer: Chrome would then send "Origin: null" on forms,
        # which trytond refuses.
        headers['Referrer-Policy'] = 'same-origin'
        headers['Content-Security-Policy'] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        return response

    def redirect(self, path, message=None, error=False):
        "Post/redirect/get: the message shows on the next page."
        if message:
            self.set_cookie(FLASH_COOKIE, urllib.parse.quote(
                    ('!' if error else '') + message))
        response = Response(status=303, headers={'Location': self.url(path)})
        return self._finish(response)

    def render(self, template, status=200, nav=True, error=None,
            form=None, **values):
        """The page of template ('module/templates/x.html', which includes
        the shared layout) with values; form: a Form whose errors are
        summed up at the top (each is also shown next to its field)."""
        notice = None
        flash = urllib.parse.unquote(self._flash) if self._flash else None
        if error:
            flash = '!' + error
        if flash:
            notice = ('error' if flash.startswith('!') else 'ok',
                flash.lstrip('!'))
        menu = []
        if nav and self.user_id:
            current = self.request.path[len(self.base):] or '/'
            for _, path, message in NAV:
                if activated(self.pool, ('nav', path)):
                    menu.append((self.url(path), gettext(message),
                            path == current))
        language = (Transaction().language or 'fr').split('_')[0]
        html = render_template(template, **self._values(form), **{
                'association': association_name(self.pool),
                'css_url': CSS_URL,
                'language': language,
                'menu': menu,
                'logout': bool(nav and self.user_id),
                'notice': notice,
                **values})
        response = Response(french_spaces(html), status=status,
            content_type='text/html; charset=utf-8')
        return self._finish(response)

    def _values(self, form=None):
        "What every template of the portal is given."
        return {
            'page': self,
            'url': self.url,
            'form': form if form is not None else Form(),
            'format_date': format_date,
            'format_datetime': format_datetime,
            'local': local,
            'formatting': formatting,
            'example_date': DATE_EXAMPLE,
            'date_pattern': DATE_PATTERN,
            }

    def fragment(self, template, **values):
        """A part of a page (a home section) from template, without the
        layout."""
        return render_fragment(template, **self._values(), **values)

    def error(self, status, title, message, path='/', label=None):
        """A refusal page, with the way forward (path, label) as its button
        (the home page by default)."""
        return self.render('connexion_portal/templates/portal_error.html',
            status=status, title=title, message=message,
            path=path, label=label)

    def attempt(self, form, func, *args, field='', **kwargs):
        """func(*args, **kwargs), or None once its UserError is recorded on
        form next to field (the transaction rolled back): the form is then
        shown again as typed instead of an error page."""
        try:
            return func(*args, **kwargs)
        except (UserError, UserWarning) as exception:
            Transaction().rollback()
            form.error(field, exception.message)
            return None

    # CSRF: a token bound to the session, or to a cookie before login

    @property
    def csrf_token(self):
        if self.session_key and self.user_id:
            return hmac.new(self.session_key.encode(), b'csrf',
                hashlib.sha256).hexdigest()
        token = self.request.cookies.get(CSRF_COOKIE)
        if not token or len(token) < 32:
            token = getattr(self, '_new_csrf', None)
            if not token:
                token = self._new_csrf = secrets.token_urlsafe(32)
                self.set_cookie(CSRF_COOKIE, token)
        return token

    def csrf_valid(self):
        form = self.request.form
        sent = form.get('csrf', '')
        origin = self.request.headers.get('Origin')
        if origin and origin != 'null':
            if urllib.parse.urlsplit(origin).netloc != self.request.host:
                return False
        if self.session_key and self.user_id:
            expected = self.csrf_token
        else:
            expected = self.request.cookies.get(CSRF_COOKIE) or ''
        # Bytes: compare_digest refuses str with non-ASCII characters.
        return bool(expected) and hmac.compare_digest(
            sent.encode('utf-8', 'replace'),
            expected.encode('utf-8', 'replace'))


def route(path, methods=('GET',), login=True, keep_session=False):
    """Declare a portal page at PREFIX + path.

    With login, a visitor without a valid session goes to the login page;
    every POST must carry the CSRF token. A form value holding NUL is
    refused (400), an id of the URL beyond the database's integers is not
    found (404). A UserError (bad input) rolls the transaction back and
    shows its French message on the page again. Any other exception is a
    bug: logged at ERROR with its traceback, answered by a French 500.

    keep_session: a POST does not refresh the session (an anonymous form:
    the session's write date would tell who sent it and when)."""
    def decorator(func):
        module = module_of(func.__module__)

        @app.route(PREFIX + path, methods=list(methods))
        @with_pool
        # connexion_portal: models word their refusals to the volunteer
        # (portal_message()).
        @with_transaction(context={'language': 'fr', 'connexion_portal': True})
        @functools.wraps(func)
        def wrapper(request, pool, **kwargs):
            if module not in pool._modules:
                # The page of a module this database does not use.
                raise NotFound()
            page = None
            try:
                page = Page(request, pool)
                return _serve(func, request, page, login, kwargs,
                    keep_session=keep_session)
            except RequestEntityTooLarge:
                return page.error(413,
                    gettext('connexion_portal.msg_portal_too_large_title'),
                    gettext('connexion_portal.msg_portal_too_large'))
            except (HTTPException, TransactionError,
                    backend.DatabaseOperationalError):
                # Not found, too large, locks and retries: trytond's own.
                raise
            except Exception:
                logger.exception("Portal page %s %s failed",
                    request.method, request.path)
                Transaction().rollback()
                if page is None:
                    return Response(server_error_page(), 500,
                        content_type='text/html; charset=utf-8')
                return page.error(500,
                    gettext('connexion_portal.msg_portal_error_title'),
                    gettext('connexion_portal.msg_portal_error'))
        # Portal requests carry no Tryton credentials: without this, trytond
        # would look them up (request.user_id) to choose the size limit.
        wrapper.max_request_size = config.getint('request', 'max_size')
        return wrapper
    return decorator


def plain_page(title_id, message_id, title, message):
    """A page of its own, for when no portal page can be built: the
    messages title_id and message_id in French when the current transaction
    can read them, else title and message (English, as the code is)."""
    try:
        title, message = gettext(title_id), gettext(message_id)
        language = (Transaction().language or 'fr').split('_')[0]
    except Exception:
        language = 'en'
    return french_spaces(
        f'<!DOCTYPE html><html lang="{language}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f'<body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>'
        '</body></html>')


def server_error_page():
    return plain_page('connexion_portal.msg_portal_error_title',
        'connexion_portal.msg_portal_error', "Portal error",
        "An unexpected error prevented this page from being shown. "
        "Try again later.")


def _serve(func, request, page, login, kwargs, keep_session=False):
    "The checks of route() in order, then the page itself."
    if login and not page.user_id:
        if request.method == 'GET':
            next_ = request.full_path[len(page.base):].rstrip('?')
        else:
            next_ = '/'
        message = gettext(page.expired_message) if page.expired else None
        response = page.redirect(
            '/connexion?' + urllib.parse.urlencode({'suite': next_})
            if next_ != '/' else '/connexion', message, error=True)
        if page.expired:
            page.set_cookie(SESSION_COOKIE, '', 0)
            response = page._finish(response)
        return response
    if request.method == 'POST' and not page.csrf_valid():
        return page.error(403,
            gettext('connexion_portal.msg_portal_form_refused_title'),
            gettext('connexion_portal.msg_portal_csrf'))
    if has_nul(request):
        return page.error(400,
            gettext('connexion_portal.msg_portal_form_refused_title'),
            gettext('connexion_portal.msg_portal_nul'))
    if any(isinstance(v, int) and not 1 <= v <= MAX_ID
            for v in kwargs.values()):
        return page.error(404,
            gettext('connexion_portal.msg_portal_not_found_title'),
            gettext('connexion_portal.msg_portal_not_found'))
    if (login and request.method == 'POST' and not keep_session
            and not Transaction().readonly):
        # A sent form keeps the session alive.
        page.pool.get('web.user.session').reset(page.session_key)
    try:
        return func(request, page, **kwargs)
    except (UserError, UserWarning) as exception:
        Transaction().rollback()
        return page.error(400,
            gettext('connexion_portal.msg_portal_cannot_save_title'),
            exception.message)


def _refused(wsgi_app):
    """Answer trytond's own refusals instead of a 500.

    trytond's wsgi_app refuses a cross-site (or null) Origin with
    abort(403) before any route, outside of its error handling: the
    exception escaped and the server answered 500. A portal visitor gets
    the refusal in French."""
    @functools.wraps(wsgi_app)
    def middleware(environ, start_response):
        try:
            return wsgi_app(environ, start_response)
        except HTTPException as exception:
            response = exception.get_response(environ)
            path = environ.get('PATH_INFO', '')
            if response.status_code == 403 and '/portal' in path:
                response = Response(forbidden_page(path), 403,
                    content_type='text/html; charset=utf-8')
            return response(environ, start_response)
    middleware.connexion_refused = True
    return middleware


def forbidden_page(path):
    """The refusal of a cross-site form, in French: read in a transaction of
    the database the path names when its pool is loaded (the portal served
    it before), since trytond refuses before opening one."""
    database = urllib.parse.unquote(path.split('/')[1]) if '/' in path else ''
    args = ('connexion_portal.msg_portal_form_refused_title',
        'connexion_portal.msg_portal_cross_site', "Form refused",
        "This form does not come from the portal: it is refused. Open the "
        "portal at its usual address and start again.")
    if database in Pool.database_list():
        try:
            with Transaction().start(database, 0, readonly=True,
                    context={'language': 'fr'}):
                return plain_page(*args)
        except Exception:
            logger.exception("Refusal page of %s", database)
    return plain_page(*args)

if not getattr(app.wsgi_app, 'connexion_refused', False):
    app.wsgi_app = _refused(app.wsgi_app)


@app.route(CSS_URL, methods=['GET'])
def portal_css(request):
    with file_open('connexion_portal/portal.css', mode='rb') as fp:
        css = fp.read()
    return Response(css, 200, content_type='text/css; charset=utf-8',
        headers={'Cache-Control': 'public, max-age=3600'})
