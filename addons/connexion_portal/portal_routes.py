"""The portal's own pages: login, logout, password reset and the home page
(whose sections the modules add: missions, visits, ideas...).

Routes run as the root user: every page reads and writes only the records
of the logged-in volunteer, looked up from the session, never from an id
taken alone from the URL or the form.
"""
import datetime as dt
import hmac
import secrets

from genshi.core import Markup

from trytond.i18n import gettext

from .portal import SESSION_COOKIE, route
from .portal_forms import Form
from .registry import add_nav, home_sections, login_refusal

add_nav(10, '/', 'connexion_portal.msg_portal_nav_home')


def no_profile(page):
    return page.error(403,
        gettext('connexion_portal.msg_portal_no_profile_title'),
        gettext('connexion_portal.msg_portal_no_profile'))


# Login, logout, password reset
#
# web_user's authenticate and set_password_token are not called: they sleep
# 2^n - 1 s inside the request after n failures. Failures are counted in
# connexion.portal.attempt (per account and per client address, see
# portal_security.py) and refused with 429 at once past the limit, before
# any password or token is checked.

TOO_MANY = 'connexion_portal.msg_portal_too_many'
# Longer is no e-mail address or password of ours (and passlib refuses
# passwords over 4096 bytes).
MAX_EMAIL, MAX_PASSWORD = 254, 1024
_dummy_hash = []


def _clean_email(value):
    "The e-mail as web_user stores it, or '' when it cannot be one."
    value = (value or '').strip().lower()
    if len(value) > MAX_EMAIL or '\x00' in value:
        return ''
    return value


def _web_user(pool, email):
    "The active web user of the e-mail, or None."
    if not email:
        return None
    users = pool.get('web.user').search([('email', '=', email)], limit=1)
    return users[0] if users else None


def _authenticate(pool, email, password):
    """The web user if the password is right, else None; hashes as much
    for an unknown address as for a known one (no timing oracle)."""
    WebUser = pool.get('web.user')
    user = _web_user(pool, email)
    if len(password) > MAX_PASSWORD:
        return None
    if not user or not user.password_hash:
        if not _dummy_hash:
            _dummy_hash.append(WebUser.hash_password(secrets.token_hex(16)))
        WebUser.check_password(password, _dummy_hash[0])
        return None
    valid, new_hash = WebUser.check_password(password, user.password_hash)
    if not valid:
        return None
    if new_hash:
        WebUser.write([user], {'password_hash': new_hash})
    return user


def _login_page(page, form=None, suite='/', status=200, error=None):
    return page.render('connexion_portal/templates/portal_login.html',
        status=status, nav=False, form=form, error=error, suite=suite)


def _safe_next(value):
    "Only a path inside the portal (no open redirect)."
    if (not value or not value.startswith('/') or value.startswith('//')
            or '\\' in value):
        return '/'
    return value


@route('/connexion', methods=['GET', 'POST'], login=False)
def login(request, page):
    """Failures count per account and per client address; past either
    limit the answer is 429 at once, for at most [connexion]
    portal_attempt_window seconds after the last checked failure (the
    right password too: a guessed one must not get through)."""
    pool = page.pool
    Attempt = pool.get('connexion.portal.attempt')
    suite = _safe_next(request.values.get('suite'))
    if request.method == 'GET':
        if page.user_id:
            return page.redirect(suite)
        return _login_page(page, suite=suite)
    form = Form(request.form)
    email = _clean_email(form.get('email'))
    password = request.form.get('password') or ''
    keys = Attempt.keys('login', email, request.remote_addr)
    if not Attempt.check(keys):
        form.error('', gettext(TOO_MANY))
        return _login_page(page, form, suite, status=429)
    user = _authenticate(pool, email, password)
    if not user:
        Attempt.fail(keys)
        form.error('password',
            gettext('connexion_portal.msg_portal_login_failed'))
        return _login_page(page, form, suite, status=401)
    Attempt.clear(Attempt.keys('login', email))
    refusal = login_refusal(pool, user)
    if refusal:
        return _login_page(page, suite=suite, status=403,
            error=gettext(refusal))
    key = user.new_session()
    page.set_cookie(SESSION_COOKIE, key)
    return page.redirect(suite)


@route('/deconnexion', methods=['POST'])
def logout(request, page):
    page.pool.get('web.user.session').remove(page.session_key)
    page.set_cookie(SESSION_COOKIE, '', 0)
    return page.redirect('/connexion',
        gettext('connexion_portal.msg_portal_logged_out'))


@route('/mot-de-passe-oublie', methods=['GET', 'POST'], login=False)
def forgotten(request, page):
    "Send a reset link; the answer never says whether the e-mail is known."
    if request.method == 'POST':
        user = _web_user(page.pool, _clean_email(request.form.get('email')))
        if user:
            # web_user's e-mail (one link at a time), in the user's
            # language, its link to the portal's new password page.
            page.pool.get('web.user').reset_password([user])
        return page.redirect('/connexion',
            gettext('connexion_portal.msg_portal_reset_sent'))
    return page.render('connexion_portal/templates/portal_forgotten.html',
        nav=False)


def _reset_password(pool, email, token, password):
    """Set the password if token is the user's valid reset token (as
    web_user's set_password_token does, without its sleep). A used or
    expired token is cleared; the new password ends the user's sessions
    (connexion_portal's web.user.set_password)."""
    user = _web_user(pool, email)
    expected = user.reset_password_token if user else None
    if not expected or not token or not hmac.compare_digest(
            expected.encode(), token.encode('utf-8', 'replace')):
        return False
    expire = user.reset_password_token_expire
    user.clear_reset_password_token()
    valid = bool(expire and expire > dt.datetime.now())
    if valid:
        user.password = password
    user.save()
    return valid


@route('/nouveau-mot-de-passe', methods=['GET', 'POST'], login=False)
def new_password(request, page):
    """Wrong tokens count per account (apart from sign-in failures, so the
    owner still logs in) and per address; past the limit: 429 at once."""
    pool = page.pool
    Attempt = pool.get('connexion.portal.attempt')
    email = request.values.get('email') or ''
    token = request.values.get('token') or ''
    form = Form(request.form if request.method == 'POST' else None)

    def answer(status=200, refusal=None):
        return page.render(
            'connexion_portal/templates/portal_new_password.html',
            status=status, nav=False, form=form, email=email, token=token,
            refusal=refusal, too_many=gettext(TOO_MANY))
    if request.method == 'POST':
        password = request.form.get('password') or ''
        if len(password) < 8 or len(password) > MAX_PASSWORD:
            form.error('password', gettext(
                    'connexion_portal.msg_portal_password_length',
                    maximum=MAX_PASSWORD))
            return answer(400)
        email = _clean_email(email)
        keys = Attempt.keys('token', email, request.remote_addr)
        if not Attempt.check(keys):
            return answer(429, 'too_many')
        if _reset_password(pool, email, token, password):
            Attempt.clear(Attempt.keys('token', email)
                | Attempt.keys('login', email))
            return page.redirect('/connexion',
                gettext('connexion_portal.msg_portal_password_saved'))
        Attempt.fail(keys)
        return answer(400, 'invalid')
    return answer()


# Home: the sections of the modules (the volunteer's missions, visits,
# ideas...), for a web user with a volunteer profile.

@route('/')
def home(request, page):
    if not page.volunteer_id:
        return no_profile(page)
    return page.render('connexion_portal/templates/portal_home.html',
        first_name=(page.name.split() or [''])[0],
        sections=[Markup(s) for s in home_sections(page)])
