"""The volunteer portal's pages: session, CSRF, answers, errors.

The portal is a handful of plain HTML pages served by trytond routes (like
marketing_email), for volunteers on a phone who are not at ease with
computers: one column, big buttons, French, no JavaScript.

The framework is cut by concern:

- ``portal`` (here): ``route`` declares a page; its ``Page`` holds the
  session and renders the answers (``render``, ``fragment``, ``redirect``,
  ``error``); the error pages.
- ``template``: Genshi templates translated by ``fr.po``, the one layout,
  French typography (``french_spaces``), ``selection`` labels.
- ``portal_forms``: reading form and URL values strictly, and ``Form``
  (a form shown again as typed, each error next to its field).
- ``registry``: what other modules add: menu entries, home sections,
  profiles, login checks, calendar sources (``Event``).
- ``ics``: the iCalendar text of the calendar feed.
- ``dates``: long French dates and times, Paris time.
- ``queries``: plain SQL cached per process (``execute``).

A page includes the one layout and the form controls::

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

    from connexion_portal import registry
    from connexion_portal.portal import route
    from connexion_portal.portal_forms import Form

    @route('/idees', methods=['GET', 'POST'])
    def ideas(request, page):
        form = Form()
        if request.method == 'POST':      # CSRF already checked
            form = Form(request.form)
            if not form.get('titre').strip():
                form.error('titre', gettext('my_module.msg_title'))
            else:
                return page.redirect('/idees', gettext('my_module.msg_ok'))
        return page.render('my_module/templates/portal_ideas.html',
            form=form, status=400 if form.errors else 200)

    registry.add_nav(40, '/idees', 'my_module.msg_portal_nav_ideas')
    registry.add_home_section(40, lambda page: page.fragment(...))
    registry.add_calendar_source(40, my_events)  # the volunteer's iCalendar

connexion_volunteer joins the volunteer to the session (``add_profile``)
and refuses a volunteer who left (``add_login_check``).

Texts from Python (errors, messages after a redirect, refusals) are
``ir.message`` records.

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
import re
import secrets
import urllib.parse

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
from trytond.tools import file_open
from trytond.transaction import Transaction, TransactionError
from trytond.wsgi import app

from connexion_asso import formatting, public
from .dates import company_timezone, format_date, format_datetime, local
from .portal_forms import DATE_EXAMPLE, DATE_PATTERN, MAX_ID, Form, has_nul
from .queries import execute, parse_datetime
from .registry import NAV, activated, module_of, profiles
from .template import french_spaces, render_fragment, render_template

logger = logging.getLogger(__name__)

PREFIX = '/<database_name>/portal'
SESSION_COOKIE = 'connexion_portal'
CSRF_COOKIE = 'connexion_portal_csrf'
FLASH_COOKIE = 'connexion_portal_flash'
CSS_URL = '/connexion/portal.css'


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

    @functools.cached_property
    def timezone(self):
        "The association's timezone, read once for the page's times."
        return company_timezone()

    def local(self, datetime):
        "The UTC datetime in the association's time (see dates.local)."
        return local(datetime, self.timezone)

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
            'local': self.local,
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
