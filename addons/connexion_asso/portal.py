"""The volunteer portal's shared machinery: layout, session, CSRF.

The portal is a handful of plain HTML pages served by trytond routes (like
marketing_email), for volunteers on a phone who are not at ease with
computers: one column, big buttons, French, no JavaScript.

Another module adds a page in a file imported by its ``__init__.py`` (as
marketing_email imports its routes)::

    from connexion_asso import portal

    @portal.route('/idees', methods=['GET', 'POST'])
    def ideas(request, page):
        if request.method == 'POST':      # CSRF already checked
            ...
            return page.redirect('/idees', "Merci pour votre idée !")
        return page.render("Boîte à idées", page.form('/idees', fields_html,
                "Envoyer"))

    portal.add_nav(40, '/idees', "Idées")
    portal.add_home_section(40, lambda page: "<section>…</section>")
    portal.add_calendar_source(40, my_events)   # the volunteer's iCalendar


A form is written with the field helpers, so that after an error it comes
back as typed with each error next to its field (``Form``,
``input_field``, ``date_field``, ``select_field``, ``checkbox_field``,
``textarea_field``, ``file_field``, ``password_field``)::

        form = Form(request.form)
        if not form.get('titre').strip():
            form.error('titre', "Donnez un titre à votre idée.")
        if form.errors:
            return page.render("Boîte à idées", page.form('/idees',
                    input_field(form, 'titre', "Titre"), "Envoyer"),
                status=400, form=form)

Every page goes through ``french_spaces`` (non-breaking spaces before
« ? ! : ; »): write ordinary spaces.

``page`` (a ``Page``) holds the pool, the web user, the volunteer (both
None on public pages; their ``user_id`` and ``volunteer_id`` cost nothing,
the records are made on first use), the CSRF token, and renders the shared
layout
(``render``, ``form``, ``redirect``, ``error``; ``h`` escapes). Routes run
as root: filter every query on ``page.volunteer`` yourself.
"""
import datetime as dt
import functools
import hashlib
import hmac
import html
import logging
import re
import secrets
import sys
import urllib.parse
from typing import NamedTuple, Optional, Union

from werkzeug.exceptions import (
    HTTPException, NotFound, RequestEntityTooLarge)

from sql import Null
from sql.conditionals import Coalesce

from trytond import backend
from trytond.cache import Cache
from trytond.config import config
from trytond.exceptions import UserError, UserWarning
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.tools import file_open
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from . import formatting, public
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

# Volunteers of these statuses are shut out of the portal: they cannot log
# in, and a session opened before ends at its next request.
CLOSED_STATUSES = {'left'}
CLOSED_MESSAGE = ("Votre profil bénévole n'est plus actif : l'espace "
    "bénévoles vous est fermé. Contactez l'association si c'est une erreur.")

WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
    "dimanche"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
    "août", "septembre", "octobre", "novembre", "décembre"]


def h(value):
    "Escape a value for HTML ('' for None)."
    return html.escape('' if value is None else str(value))


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


# Forms: shown again as typed after an error, each error next to its field
# (GOV.UK's pattern: label, hint, error, control; aria-describedby and
# aria-invalid for screen readers; a summary with links at the top).

TYPED_MAX = 10000
DATE_PLACEHOLDER = 'jj/mm/aaaa'


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


def _attributes(attrs):
    "HTML attributes from keywords (aria_x → aria-x; True → bare)."
    out = []
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        key = key.rstrip('_').replace('_', '-')
        out.append(f' {key}' if value is True else f' {key}="{h(value)}"')
    return ''.join(out)


def _field(form, name, label, control, hint=None, note=None):
    """Label, hint, error and control; control(attrs) gets the aria
    attributes that tie it to its hint and error."""
    described = []
    parts = [f'<label for="{h(name)}">{h(label)}</label>']
    if hint:
        described.append(f'{name}-aide')
        parts.append(f'<p class="hint" id="{h(name)}-aide">{h(hint)}</p>')
    error = form.errors.get(name)
    if error:
        described.append(f'{name}-erreur')
        parts.append(f'<p class="field-error" id="{h(name)}-erreur">'
            f'<span class="visually-hidden">Erreur : </span>{h(error)}</p>')
    if note:
        described.append(f'{name}-note')
        parts.append(f'<p class="field-note" id="{h(name)}-note">'
            f'{h(note)}</p>')
    parts.append(control({
                'aria_describedby': ' '.join(described) or None,
                'aria_invalid': 'true' if error else None}))
    return ''.join(parts)


def input_field(form, name, label, default='', hint=None, type='text',
        **attrs):
    "A labelled <input>, with what was typed in it after an error."
    value = form.get(name, default)
    return _field(form, name, label, lambda aria: (
            f'<input id="{h(name)}" name="{h(name)}" type="{h(type)}"'
            f' value="{h(value)}"' + _attributes({**attrs, **aria}) + '>'),
        hint)


def textarea_field(form, name, label, default='', hint=None, **attrs):
    value = form.get(name, default)
    return _field(form, name, label, lambda aria: (
            f'<textarea id="{h(name)}" name="{h(name)}"'
            + _attributes({**attrs, **aria}) + f'>{h(value)}</textarea>'),
        hint)


def select_field(form, name, label, options, default='', hint=None,
        **attrs):
    "options: (value, label) pairs; the one chosen stays chosen."
    selected = form.get(name, default)
    items = ''.join(f'<option value="{h(value)}"'
        + (' selected' if str(value) == selected else '')
        + f'>{h(text)}</option>' for value, text in options)
    return _field(form, name, label, lambda aria: (
            f'<select id="{h(name)}" name="{h(name)}"'
            + _attributes({**attrs, **aria}) + f'>{items}</select>'), hint)


def checkbox_field(form, name, label, default=False):
    "A ticked box stays ticked (and an unticked one unticked) after an error."
    checked = ' checked' if form.checked(name, default) else ''
    error = form.errors.get(name)
    aria = _attributes({
            'aria_describedby': f'{name}-erreur' if error else None,
            'aria_invalid': 'true' if error else None})
    return ((f'<p class="field-error" id="{h(name)}-erreur">{h(error)}</p>'
            if error else '')
        + f'<label class="check"><input type="checkbox" id="{h(name)}"'
        f' name="{h(name)}"{checked}{aria}>{h(label)}</label>')


def file_field(form, name, label, hint=None, **attrs):
    """A file input: a browser never fills one again, so after an error
    the field says to choose the file again."""
    note = None
    if form.errors and form.file_sent(name):
        note = ("Votre fichier n'a pas pu être gardé après l'erreur : "
            "choisissez-le à nouveau.")
    return _field(form, name, label, lambda aria: (
            f'<input id="{h(name)}" name="{h(name)}" type="file"'
            + _attributes({**attrs, **aria}) + '>'), hint, note)


def password_field(form, name, label, hint=None, **attrs):
    "A password is never sent back in the page: it is typed again."
    note = None
    if form.errors and form.get(name):
        note = ("Par sécurité, le mot de passe n'est pas gardé : "
            "saisissez-le à nouveau.")
    return _field(form, name, label, lambda aria: (
            f'<input id="{h(name)}" name="{h(name)}" type="password"'
            + _attributes({**attrs, **aria}) + '>'), hint, note)


def date_field(form, name, label, default=None, hint=None, **attrs):
    """A date typed the French way (jj/mm/aaaa) whatever the browser's
    language: <input type=date> shows the browser's locale (mm/dd/yyyy in
    an English browser), so this is a text input; ISO dates are read too
    (portal_forms.date)."""
    example = formatting.format_date(default or dt.date(2026, 3, 14))
    hint = hint or f"Au format jj/mm/aaaa, par exemple {example}."
    return input_field(
        form, name, label, formatting.format_date(default), hint,
        placeholder=DATE_PLACEHOLDER, autocomplete='off',
        pattern=r'\s*([0-9]{1,2}(/|\.|-)[0-9]{1,2}(/|\.|-)[0-9]{4}'
        r'|[0-9]{4}-[0-9]{2}-[0-9]{2})\s*',
        title="Une date au format jj/mm/aaaa", **attrs)


def error_summary(form):
    "The errors at the top of the page, each linking to its field."
    if not form or not form.errors:
        return ''
    items = ''.join(
        f'<li><a href="#{h(name)}">{h(message)}</a></li>' if name
        else f'<li>{h(message)}</li>'
        for name, message in form.errors.items())
    return ('<div class="notice error" role="alert" aria-labelledby='
        '"erreurs-titre"><p id="erreurs-titre">Corrigez ce qui est signalé '
        'ci-dessous, puis renvoyez le formulaire :</p>'
        f'<ul>{items}</ul></div>')


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


def add_nav(sequence, path, label, module=None):
    "Add a menu entry (path under the portal, e.g. '/idees')."
    entry = (sequence, path, label)
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
    "« samedi 14 mars 2026 »"
    return '%s %s %s %s' % (
        WEEKDAYS[date.weekday()], date.day, MONTHS[date.month - 1],
        date.year)


def format_datetime(start, end=None):
    "« samedi 14 mars 2026, 9 h 00 – 12 h 30 »"
    text = '%s, %d h %02d' % (
        format_date(start.date()), start.hour, start.minute)
    if end:
        text += ' – %d h %02d' % (end.hour, end.minute)
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
        self.session_id = self.user_id = self.volunteer_id = None
        self.expired = False
        # Why the session ended, shown on the login page.
        self.expired_message = "Votre session a expiré : reconnectez-vous."
        self.email = None
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
        "The logged-in volunteer, or None (a web user without a profile)."
        return self._record('connexion.volunteer', self.volunteer_id)

    def _load_session(self):
        """One SQL query for the session, its web user and volunteer.

        Every portal page runs it: the ORM would read whole records."""
        pool = self.pool
        cursor = execute(pool, 'connexion_asso.session', self._session_query,
            key=self.session_key)
        row = cursor.fetchone()
        if not row:
            self.expired = True
            return
        (session_id, last, user_id, active, email, volunteer_id, status,
            token, name) = row
        last = parse_datetime(last)
        if dt.datetime.now() - last > dt.timedelta(seconds=timeout()):
            self.expired = True
            if not Transaction().readonly:
                Session = pool.get('web.user.session')
                Session.delete([Session(session_id)])
            return
        if not active:
            return
        if status in CLOSED_STATUSES:
            self.expired = True
            self.expired_message = CLOSED_MESSAGE
            if not Transaction().readonly:
                Session = pool.get('web.user.session')
                Session.delete([Session(session_id)])
            return
        self.session_id, self.user_id = session_id, user_id
        self.email = email
        if volunteer_id:
            self.volunteer_id = volunteer_id
            self.info = {'name': name or '', 'status': status,
                'calendar_token': token}

    @staticmethod
    def _session_query(pool, key):
        Session = pool.get('web.user.session')
        WebUser = pool.get('web.user')
        Volunteer = pool.get('connexion.volunteer')
        Party = pool.get('party.party')
        session = Session.__table__()
        user = WebUser.__table__()
        volunteer = Volunteer.__table__()
        party = Party.__table__()
        return session.join(user, condition=session.user == user.id
            ).join(volunteer, 'LEFT',
                condition=(volunteer.party == user.party)
                & (user.party != Null)
            ).join(party, 'LEFT', condition=volunteer.party == party.id
            ).select(
                session.id, Coalesce(session.write_date, session.create_date),
                user.id, user.active, user.email, volunteer.id,
                volunteer.status, volunteer.calendar_token, party.name,
                where=session.key == key, limit=1)

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

    def render(self, title, body, status=200, nav=True, error=None,
            form=None):
        """The whole page in the shared layout; form: a Form whose errors
        are summed up at the top (each is also shown next to its field)."""
        name = association_name(self.pool)
        notice = ''
        flash = urllib.parse.unquote(self._flash) if self._flash else None
        if error:
            flash = '!' + error
        if flash:
            kind = 'error' if flash.startswith('!') else 'ok'
            role = 'alert' if kind == 'error' else 'status'
            notice = (f'<p class="notice {kind}" role="{role}">'
                f'{h(flash.lstrip("!"))}</p>')
        if form is not None and form.errors:
            notice = error_summary(form)
        menu = ''
        if nav and self.user_id:
            items = []
            current = self.request.path[len(self.base):] or '/'
            for _, path, label in NAV:
                if not activated(self.pool, ('nav', path)):
                    continue
                aria = ' aria-current="page"' if path == current else ''
                items.append(
                    f'<li><a href="{h(self.url(path))}"{aria}>{h(label)}</a>'
                    '</li>')
            menu = ('<nav aria-label="Menu"><ul>' + ''.join(items)
                + '</ul></nav>')
            logout = self.form('/deconnexion', '', "Se déconnecter",
                css='logout', button_css='link')
        else:
            logout = ''
        page = f'''<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{h(title)} – {h(name)}</title>
<link rel="stylesheet" href="{CSS_URL}">
</head>
<body>
<header><a class="brand" href="{h(self.url('/'))}">{h(name)}</a>{logout}</header>
{menu}
<main id="contenu">
<h1>{h(title)}</h1>
{notice}
{body}
</main>
<footer>Espace bénévoles – {h(name)}</footer>
</body>
</html>
'''
        response = Response(french_spaces(page), status=status,
            content_type='text/html; charset=utf-8')
        return self._finish(response)

    def error(self, status, title, message, path='/',
            label="Retour à l'accueil"):
        "A refusal page, with the way forward (path, label) as its button."
        return self.render(title, f'<p>{h(message)}</p>'
            f'<p><a class="button" href="{h(self.url(path))}">'
            f'{h(label)}</a></p>', status=status)

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

    def form(self, action, fields, submit, css='', button_css='primary',
            files=False):
        "A POST form with its CSRF token (files: it sends file uploads)."
        enctype = ' enctype="multipart/form-data"' if files else ''
        return (f'<form method="post" action="{h(self.url(action))}"'
            f' class="{css}"{enctype}>'
            f'<input type="hidden" name="csrf" value="{h(self.csrf_token)}">'
            f'{fields}<button type="submit" class="{button_css}">'
            f'{h(submit)}</button></form>')


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
                return page.error(413, "Envoi trop lourd",
                    "Ce que vous envoyez est trop lourd (un fichier de "
                    "plusieurs mégaoctets ?) : envoyez un fichier plus "
                    "léger.")
            except (HTTPException, TransactionError,
                    backend.DatabaseOperationalError):
                # Not found, too large, locks and retries: trytond's own.
                raise
            except Exception:
                logger.exception("Portal page %s %s failed",
                    request.method, request.path)
                Transaction().rollback()
                if page is None:
                    return Response(SERVER_ERROR, 500,
                        content_type='text/html; charset=utf-8')
                return page.error(500, "Erreur du portail",
                    "Une erreur inattendue a empêché d'afficher cette page ; "
                    "l'équipe technique en a la trace. Réessayez plus tard.")
        # Portal requests carry no Tryton credentials: without this, trytond
        # would look them up (request.user_id) to choose the size limit.
        wrapper.max_request_size = config.getint('request', 'max_size')
        return wrapper
    return decorator


SERVER_ERROR = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
    '<title>Erreur du portail</title></head><body><h1>Erreur du portail</h1>'
    '<p>Une erreur inattendue a empêché d\'afficher cette page. Réessayez '
    'plus tard.</p></body></html>')
SERVER_ERROR = french_spaces(SERVER_ERROR)


def _serve(func, request, page, login, kwargs, keep_session=False):
    "The checks of route() in order, then the page itself."
    if login and not page.user_id:
        if request.method == 'GET':
            next_ = request.full_path[len(page.base):].rstrip('?')
        else:
            next_ = '/'
        message = page.expired_message if page.expired else None
        response = page.redirect(
            '/connexion?' + urllib.parse.urlencode({'suite': next_})
            if next_ != '/' else '/connexion', message, error=True)
        if page.expired:
            page.set_cookie(SESSION_COOKIE, '', 0)
            response = page._finish(response)
        return response
    if request.method == 'POST' and not page.csrf_valid():
        return page.error(403, "Formulaire refusé",
            "Ce formulaire a expiré ou ne vient pas du portail. "
            "Rechargez la page et recommencez.")
    if has_nul(request):
        return page.error(400, "Formulaire refusé",
            "Le formulaire contient un caractère invalide (NUL). "
            "Corrigez votre saisie et recommencez.")
    if any(isinstance(v, int) and not 1 <= v <= MAX_ID
            for v in kwargs.values()):
        return page.error(404, "Introuvable",
            "Cette page n'existe pas : vérifiez le lien, ou repartez de "
            "l'accueil.")
    if (login and request.method == 'POST' and not keep_session
            and not Transaction().readonly):
        # A sent form keeps the session alive.
        page.pool.get('web.user.session').reset(page.session_key)
    try:
        return func(request, page, **kwargs)
    except (UserError, UserWarning) as exception:
        Transaction().rollback()
        return page.error(400, "Impossible d'enregistrer",
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
                response = Response(FORBIDDEN, 403,
                    content_type='text/html; charset=utf-8')
            return response(environ, start_response)
    middleware.connexion_refused = True
    return middleware


FORBIDDEN = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
    '<title>Formulaire refusé</title></head><body><h1>Formulaire refusé</h1>'
    '<p>Ce formulaire ne vient pas du portail : il est refusé. Ouvrez le '
    'portail à son adresse habituelle et recommencez.</p></body></html>')
FORBIDDEN = french_spaces(FORBIDDEN)

if not getattr(app.wsgi_app, 'connexion_refused', False):
    app.wsgi_app = _refused(app.wsgi_app)


@app.route(CSS_URL, methods=['GET'])
def portal_css(request):
    with file_open('connexion_asso/portal.css', mode='rb') as fp:
        css = fp.read()
    return Response(css, 200, content_type='text/css; charset=utf-8',
        headers={'Cache-Control': 'public, max-age=3600'})
