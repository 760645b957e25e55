"""The volunteer portal's own pages: login, home, missions, hours, profile.

Routes run as the root user: every page reads and writes only the records
of the logged-in volunteer, looked up from the session, never from an id
taken alone from the URL or the form.
"""
import datetime as dt
import hmac
import re
import secrets
from decimal import Decimal

from genshi.core import Markup
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.wsgi import app

from . import formatting, portal_forms, public
from .portal import (
    CLOSED_MESSAGE, CLOSED_STATUSES, PREFIX, SESSION_COOKIE, Event, Form,
    add_calendar_source, add_nav, calendar_events, execute,
    home_sections, icalendar, parse_datetime, route, selection)

# How far ahead the open missions are shown.
MISSION_DAYS = 60
# Coming shifts shown on the home page.
UPCOMING_LIMIT = 20

add_nav(10, '/', 'connexion_asso.msg_portal_nav_home')
add_nav(20, '/missions', 'connexion_asso.msg_portal_nav_missions')
add_nav(30, '/heures', 'connexion_asso.msg_portal_nav_hours')
add_nav(35, '/frais', 'connexion_asso.msg_portal_nav_expenses')
add_nav(90, '/profil', 'connexion_asso.msg_portal_nav_profile')


def no_profile(page):
    return page.error(403,
        gettext('connexion_asso.msg_portal_no_profile_title'),
        gettext('connexion_asso.msg_portal_no_profile'))


# Login, logout, password reset
#
# web_user's authenticate and set_password_token are not called: they sleep
# 2^n - 1 s inside the request after n failures. Failures are counted in
# connexion.portal.attempt (per account and per client address, see
# portal_security.py) and refused with 429 at once past the limit, before
# any password or token is checked.

TOO_MANY = 'connexion_asso.msg_portal_too_many'
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


def _closed(pool, user):
    "Whether the user's volunteer profile is shut out of the portal."
    if not user.party:
        return False
    Volunteer = pool.get('connexion.volunteer')
    return bool(Volunteer.search([
                ('party', '=', user.party.id),
                ('status', 'in', list(CLOSED_STATUSES)),
                ], limit=1))


def _login_page(page, form=None, suite='/', status=200, error=None):
    return page.render('connexion_asso/templates/portal_login.html',
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
            gettext('connexion_asso.msg_portal_login_failed'))
        return _login_page(page, form, suite, status=401)
    Attempt.clear(Attempt.keys('login', email))
    if _closed(pool, user):
        return _login_page(page, suite=suite, status=403,
            error=gettext(CLOSED_MESSAGE))
    key = user.new_session()
    page.set_cookie(SESSION_COOKIE, key)
    return page.redirect(suite)


@route('/deconnexion', methods=['POST'])
def logout(request, page):
    page.pool.get('web.user.session').remove(page.session_key)
    page.set_cookie(SESSION_COOKIE, '', 0)
    return page.redirect('/connexion',
        gettext('connexion_asso.msg_portal_logged_out'))


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
            gettext('connexion_asso.msg_portal_reset_sent'))
    return page.render('connexion_asso/templates/portal_forgotten.html',
        nav=False)


def _reset_password(pool, email, token, password):
    """Set the password if token is the user's valid reset token (as
    web_user's set_password_token does, without its sleep). A used or
    expired token is cleared; the new password ends the user's sessions
    (connexion_asso's web.user.set_password)."""
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
            'connexion_asso/templates/portal_new_password.html',
            status=status, nav=False, form=form, email=email, token=token,
            refusal=refusal, too_many=gettext(TOO_MANY))
    if request.method == 'POST':
        password = request.form.get('password') or ''
        if len(password) < 8 or len(password) > MAX_PASSWORD:
            form.error('password', gettext(
                    'connexion_asso.msg_portal_password_length',
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
                gettext('connexion_asso.msg_portal_password_saved'))
        Attempt.fail(keys)
        return answer(400, 'invalid')
    return answer()


# Home

def _signup_tables(pool):
    "(signup, shift, mission) tables and their join, for one-query pages."
    signup = pool.get('connexion.mission.signup').__table__()
    shift = pool.get('connexion.mission.shift').__table__()
    mission = pool.get('connexion.mission').__table__()
    join = signup.join(shift, condition=signup.shift == shift.id
        ).join(mission, condition=shift.mission == mission.id)
    return signup, shift, mission, join


def _upcoming_query(pool, volunteer, now):
    signup, shift, mission, join = _signup_tables(pool)
    return join.select(
            signup.id, signup.state, shift.start, shift.end, mission.name,
            mission.place,
            where=(signup.volunteer == volunteer)
            & signup.state.in_(['accepted', 'waiting'])
            & (shift.end >= now),
            order_by=[shift.start.asc, signup.id.asc], limit=UPCOMING_LIMIT)


def upcoming(page):
    """The volunteer's coming shifts (accepted or waiting), in one query:
    rows of (signup id, state, start, end, mission name, place)."""
    cursor = execute(page.pool, 'connexion_asso.upcoming', _upcoming_query,
        volunteer=page.volunteer_id, now=dt.datetime.now())
    return [(signup_id, state, parse_datetime(start), parse_datetime(end),
            name, place)
        for signup_id, state, start, end, name, place in cursor]


@route('/')
def home(request, page):
    if not page.volunteer_id:
        return no_profile(page)
    info = page.info
    Signup = page.pool.get('connexion.mission.signup')
    # Absolute: calendar applications keep it outside the portal.
    calendar = page.absolute_url(f'/agenda/{info["calendar_token"]}.ics')
    return page.render('connexion_asso/templates/portal_home.html',
        first_name=(info['name'].split() or [''])[0],
        active=info['status'] in {'onboarding', 'active'},
        signups=upcoming(page), states=selection(Signup, 'state'),
        sections=[Markup(s) for s in home_sections(page)],
        calendar=calendar)


# Missions and sign-up

@route('/missions')
def missions(request, page):
    pool = page.pool
    Shift = pool.get('connexion.mission.shift')
    Signup = pool.get('connexion.mission.signup')
    volunteer = page.volunteer
    if not volunteer:
        return no_profile(page)
    now = dt.datetime.now()
    shifts = Shift.search([
            ('mission.state', '=', 'open'),
            ('mission.self_signup', '=', True),
            ('start', '>', now),
            ('start', '<', now + dt.timedelta(days=MISSION_DAYS)),
            ], order=[('start', 'ASC'), ('id', 'ASC')], limit=100)
    mine = {s.shift.id: s for s in Signup.search([
                ('volunteer', '=', volunteer.id),
                ('shift', 'in', [s.id for s in shifts]),
                ])}
    return page.render('connexion_asso/templates/portal_missions.html',
        shifts=[(s, mine.get(s.id)) for s in shifts],
        states=selection(Signup, 'state'))


@route('/missions/<int:shift_id>/inscription', methods=['POST'])
def sign_up(request, page, shift_id):
    pool = page.pool
    Shift = pool.get('connexion.mission.shift')
    Signup = pool.get('connexion.mission.signup')
    if not page.volunteer:
        return no_profile(page)
    shifts = Shift.search([('id', '=', shift_id)])
    if not shifts:
        return page.error(404,
            gettext('connexion_asso.msg_portal_mission_not_found_title'),
            gettext('connexion_asso.msg_portal_mission_not_found'),
            '/missions', gettext('connexion_asso.msg_portal_see_missions'))
    signup = Signup.sign_up(page.volunteer, shifts[0])
    if signup.state == 'accepted':
        message = 'connexion_asso.msg_portal_signed_up'
    else:
        message = 'connexion_asso.msg_portal_waiting_list'
    return page.redirect('/', gettext(message))


@route('/inscriptions/<int:signup_id>/annuler', methods=['POST'])
def cancel(request, page, signup_id):
    Signup = page.pool.get('connexion.mission.signup')
    if not page.volunteer:
        return no_profile(page)
    signups = Signup.search([
            ('id', '=', signup_id),
            ('volunteer', '=', page.volunteer.id),
            ('state', 'in', ['accepted', 'waiting']),
            ])
    if not signups:
        return page.error(404,
            gettext('connexion_asso.msg_portal_signup_not_found_title'),
            gettext('connexion_asso.msg_portal_signup_not_found'))
    Signup.cancel(signups)
    return page.redirect('/',
        gettext('connexion_asso.msg_portal_cancelled'))


# Hours

# Bounds of what a volunteer types (the columns are 4-byte integers).
MAX_HOURS = Decimal(24)
MAX_DISTANCE = 100000
TEXT_MAX = 200


def _distance(form):
    "The kilometres typed (None if empty), an error if not a whole number."
    value = form.get('km').strip()
    if not value:
        return None
    distance = portal_forms.integer(value, 0, MAX_DISTANCE)
    if distance is None:
        form.error('km', gettext('connexion_asso.msg_portal_distance',
                maximum=MAX_DISTANCE))
    return distance


def _past_date(form, name="date"):
    "The date typed (jj/mm/aaaa or ISO), not in the future, else an error."
    today = Pool().get('ir.date').today()
    date = portal_forms.date(form.get(name), maximum=today)
    if not date:
        typed = portal_forms.date(form.get(name))
        if typed:
            form.error(name,
                gettext('connexion_asso.msg_portal_date_future'))
        elif form.get(name).strip():
            form.error(name, gettext('connexion_asso.msg_portal_date_format',
                    example=formatting.format_date(today)))
        else:
            form.error(name, gettext('connexion_asso.msg_portal_date'))
    return date


@route('/heures', methods=['GET', 'POST'])
def hours(request, page):
    pool = page.pool
    Hours = pool.get('connexion.volunteer.hours')
    volunteer = page.volunteer
    if not volunteer:
        return no_profile(page)
    if request.method == 'POST':
        form = Form(request.form)
        mission = _mission_from_form(page, form.get('mission'))
        if not mission:
            form.error('mission',
                gettext('connexion_asso.msg_portal_hours_mission'))
        date = _past_date(form)
        quantity = portal_forms.decimal(form.get('heures'), Decimal('0.01'),
            MAX_HOURS)
        if quantity is None:
            form.error('heures',
                gettext('connexion_asso.msg_portal_hours_quantity'))
        distance = _distance(form)
        if not form.errors:
            line = page.attempt(form, Hours.log_hours, volunteer, mission,
                date, quantity, distance,
                portal_forms.text(form.get('description'), TEXT_MAX))
            if line:
                return page.redirect('/heures',
                    gettext('connexion_asso.msg_portal_hours_saved'))
        return _hours_page(page, form, status=400)
    return _hours_page(page)


def format_hours(value):
    "2.50 → « 2,5 », 10.00 → « 10 »."
    return '{:f}'.format(value.normalize()).replace('.', ',')


def my_missions(page):
    "Missions the volunteer took part in (accepted, started), latest first."
    Signup = page.pool.get('connexion.mission.signup')
    missions = {}
    for signup in Signup.search([
                ('volunteer', '=', page.volunteer.id),
                ('state', '=', 'accepted'),
                ('shift.start', '<=', dt.datetime.now()),
                ], order=[('shift.start', 'DESC')], limit=200):
        missions.setdefault(signup.shift.mission.id, signup.shift.mission)
    return missions


def _mission_from_form(page, value):
    "The mission chosen in a form, only among the volunteer's own."
    mission_id = portal_forms.record_id(value)
    return my_missions(page).get(mission_id) if mission_id else None


def _mission_options(missions, empty=None):
    "(value, label) of the volunteer's missions for select_field."
    options = [] if empty is None else [('', empty)]
    return options + [(m.id, m.name) for m in missions.values()]


def _hours_page(page, form=None, status=200):
    "The hours form (with the values typed, after an error) and the list."
    pool = page.pool
    Hours = pool.get('connexion.volunteer.hours')
    volunteer = page.volunteer
    today = pool.get('ir.date').today()
    lines, newer, older = _paged(page, Hours,
        [('volunteer', '=', volunteer.id)])
    # The year's total from every line of the year, not from the page shown.
    year_total = sum((l.hours for l in Hours.search([
                    ('volunteer', '=', volunteer.id),
                    ('date', '>=', today.replace(month=1, day=1)),
                    ('date', '<=', today.replace(month=12, day=31)),
                    ('state', '!=', 'refused'),
                    ])), Decimal(0))
    return page.render('connexion_asso/templates/portal_hours.html',
        status=status, form=form, today=today, missions=my_missions(page),
        text_max=TEXT_MAX, lines=lines, newer=newer, older=older,
        year_total=year_total, format_hours=format_hours,
        states=selection(Hours, 'state'))


PAGE_SIZE = 50


def _paged(page, Model, domain):
    """The records of the list page asked by ?page=N (latest first) and the
    URLs of the newer and older pages (or None): a long history is paged,
    never cut."""
    number = portal_forms.integer(page.request.args.get('page'), 1, 10**6) or 1
    count = Model.search_count(domain)
    records = Model.search(domain, offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE)
    path = page.request.path[len(page.base):] or '/'
    newer = page.url(path, page=number - 1) if number > 1 else None
    older = (page.url(path, page=number + 1)
        if number * PAGE_SIZE < count else None)
    return records, newer, older


# Expenses and abandon de frais

MAX_AMOUNT = Decimal(10000)

def _receipt(request, form):
    """The uploaded receipt as (name, data), or None: a photo or a PDF
    (recognised by its content, never by its announced name or type) under
    [connexion] receipt_max_size, stored under a harmless name."""
    receipt = request.files.get('justificatif')
    if not receipt or not (receipt.filename or receipt.content_length):
        return None
    limit = portal_forms.receipt_max_size()
    data = receipt.read(limit + 1)
    if not data:
        return None
    if len(data) > limit:
        form.error('justificatif', gettext(
                'connexion_asso.msg_portal_receipt_too_large',
                size=limit // (1024 * 1024)))
        return None
    kind = portal_forms.file_kind(data)
    if not kind:
        form.error('justificatif',
            gettext('connexion_asso.msg_portal_receipt_kind'))
        return None
    return portal_forms.file_name(receipt.filename, kind), data


@route('/frais', methods=['GET', 'POST'])
def expenses(request, page):
    pool = page.pool
    Expense = pool.get('connexion.volunteer.expense')
    Attachment = pool.get('ir.attachment')
    volunteer = page.volunteer
    if not volunteer:
        return no_profile(page)
    if request.method == 'POST':
        form = Form(request.form, request.files)
        date = _past_date(form)
        description = portal_forms.text(form.get('description'), TEXT_MAX)
        distance = _distance(form)
        amount = None
        if form.get('montant').strip() or not distance:
            amount = portal_forms.decimal(form.get('montant'),
                Decimal('0.01'), MAX_AMOUNT)
            if amount is None:
                form.error('montant',
                    gettext('connexion_asso.msg_portal_expense_amount'))
        elif not Expense.mileage_rate():
            form.error('montant',
                gettext('connexion_asso.msg_portal_expense_no_rate'))
        if not description:
            if distance and 'montant' not in form.errors:
                description = gettext(
                    'connexion_asso.msg_portal_expense_journey',
                    distance=distance)
            else:
                form.error('description', gettext(
                        'connexion_asso.msg_portal_expense_description'))
        mission = None
        if form.get('mission'):
            mission = _mission_from_form(page, form.get('mission'))
            if not mission:
                form.error('mission',
                    gettext('connexion_asso.msg_portal_expense_mission'))
        receipt = _receipt(request, form)
        if not form.errors:
            expense = page.attempt(form, Expense.submit, volunteer, date,
                description, amount, distance, mission,
                waive=form.checked('abandon'))
            if expense:
                if receipt:
                    name, data = receipt
                    Attachment.create([{
                                'resource': str(expense),
                                'name': name,
                                'data': data,
                                'description': gettext(
                                    'connexion_asso'
                                    '.msg_portal_expense_attachment'),
                                }])
                if expense.renunciation:
                    message = 'connexion_asso.msg_portal_expense_waived'
                else:
                    message = 'connexion_asso.msg_portal_expense_saved'
                return page.redirect('/frais', gettext(message))
        return _expenses_page(page, form, status=400)
    return _expenses_page(page)


# A phone photo of a receipt is larger than trytond's 2 MB default; a
# file a little over the limit still gets the French answer.
expenses.max_request_size = (
    portal_forms.receipt_max_size() + 1024 * 1024)


def _expenses_page(page, form=None, status=200):
    "The claim form (with the values typed, after an error) and the list."
    pool = page.pool
    Expense = pool.get('connexion.volunteer.expense')
    rate = Expense.mileage_rate()
    lines, newer, older = _paged(page, Expense,
        [('volunteer', '=', page.volunteer.id)])
    return page.render('connexion_asso/templates/portal_expenses.html',
        status=status, form=form, today=pool.get('ir.date').today(),
        missions=my_missions(page),
        rate=format_hours(rate) if rate else None, text_max=TEXT_MAX,
        max_size=portal_forms.receipt_max_size() // (1024 * 1024),
        lines=lines, newer=newer, older=older,
        states=selection(Expense, 'state'))


# Profile and consents

PROFILE_MAX = {'langues': 100, 'urgence_nom': 100, 'urgence_tel': 30}
_PHONE = re.compile(r'\+?[0-9 .()\-]{6,30}')


def _profile_values(form):
    "The profile's values from the form; what does not fit is an error."
    values = {}
    for name, column in [('langues', 'languages'),
            ('urgence_nom', 'emergency_contact_name'),
            ('urgence_tel', 'emergency_contact_phone')]:
        typed = form.get(name)
        value = portal_forms.text(typed, PROFILE_MAX[name] + 1)
        if value and len(value) > PROFILE_MAX[name]:
            form.error(name, gettext('connexion_asso.msg_portal_too_long',
                    maximum=PROFILE_MAX[name]))
        values[column] = value
    phone = values['emergency_contact_phone']
    if (phone and 'urgence_tel' not in form.errors
            and (not _PHONE.fullmatch(phone)
                or sum(c.isdigit() for c in phone) < 6)):
        form.error('urgence_tel',
            gettext('connexion_asso.msg_portal_phone'))
    return values


def _save_profile(page, values, purposes, form):
    "The profile and the consents ticked or unticked, with their proof."
    pool = page.pool
    Party = pool.get('party.party')
    volunteer = page.volunteer
    party = volunteer.party
    pool.get('connexion.volunteer').write([volunteer], values)
    now = dt.datetime.now().strftime('%d/%m/%Y %H:%M')
    for purpose in purposes:
        wanted = form.checked(f'consent_{purpose.id}')
        if wanted != party.has_consent(purpose.code):
            proof = {'channel': 'portal', 'proof': gettext(
                    'connexion_asso.msg_portal_consent_ticked' if wanted
                    else 'connexion_asso.msg_portal_consent_unticked',
                    date=now, email=page.email)}
            if wanted:
                Party.give_consent([party], purpose.code, **proof)
            else:
                Party.withdraw_consent([party], purpose.code, **proof)
    return True


@route('/profil', methods=['GET', 'POST'])
def profile(request, page):
    pool = page.pool
    Purpose = pool.get('connexion.consent.purpose')
    volunteer = page.volunteer
    if not volunteer:
        return no_profile(page)
    purposes = Purpose.search([('explicit', '=', False)])
    party = volunteer.party
    form = Form()
    if request.method == 'POST':
        form = Form(request.form)
        values = _profile_values(form)
        if not form.errors and page.attempt(
                form, _save_profile, page, values, purposes, form):
            return page.redirect('/profil',
                gettext('connexion_asso.msg_portal_profile_saved'))
    return page.render('connexion_asso/templates/portal_profile.html',
        status=400 if form.errors else 200, form=form, party=party,
        volunteer=volunteer, purposes=purposes, maximum=PROFILE_MAX)


# Calendar feed (secret URL, no session: read by calendar applications)

# How far back the feed goes (past events stay in the volunteer's agenda).
CALENDAR_DAYS = 90
CALENDAR_LIMIT = 500


def _missions_query(pool, volunteer, since):
    signup, shift, mission, join = _signup_tables(pool)
    return join.select(
            signup.id, shift.start, shift.end, mission.name, mission.place,
            Coalesce(signup.write_date, signup.create_date),
            where=(signup.volunteer == volunteer)
            & (signup.state == 'accepted') & (shift.end >= since),
            order_by=[shift.start.asc], limit=CALENDAR_LIMIT)


def mission_events(pool, volunteer_id, since):
    "The shifts the volunteer is accepted on."
    cursor = execute(pool, 'connexion_asso.calendar_missions',
        _missions_query, volunteer=volunteer_id, since=since)
    return [Event(f'signup-{id_}', name, parse_datetime(start),
            parse_datetime(end), place, parse_datetime(stamp))
        for id_, start, end, name, place, stamp in cursor]


add_calendar_source(10, mission_events)


def _token_query(pool, token):
    Volunteer = pool.get('connexion.volunteer')
    volunteer = Volunteer.__table__()
    return volunteer.select(volunteer.id,
        where=(volunteer.calendar_token == token)
        & (volunteer.status != 'left'), limit=1)


_CALENDAR_TOKEN = re.compile(r'[A-Za-z0-9_-]{24,128}')


@app.route(PREFIX + '/agenda/<token>.ics', methods=['GET'])
@with_pool
@with_transaction(context={'language': 'fr'})
def calendar(request, pool, token):
    "The volunteer's missions, and what other modules add (visits, dreams)."
    # Tokens are token_urlsafe(24): anything else (NUL included, which
    # PostgreSQL refuses) is not looked up.
    row = execute(pool, 'connexion_asso.calendar_token', _token_query,
        token=token).fetchone() if _CALENDAR_TOKEN.fullmatch(token) else None
    if not row:
        return Response(gettext('connexion_asso.msg_portal_calendar_not_found'),
            404,
            content_type='text/plain; charset=utf-8')
    since = dt.datetime.now() - dt.timedelta(days=CALENDAR_DAYS)
    events = calendar_events(pool, row[0], since)
    return Response(icalendar(events,
            gettext('connexion_asso.msg_portal_calendar_name'),
            public.public_host()), 200,
        content_type='text/calendar; charset=utf-8',
        headers={'Cache-Control': 'private, max-age=900',
            'Referrer-Policy': 'no-referrer'})
