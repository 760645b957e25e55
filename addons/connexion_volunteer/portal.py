"""The volunteer's pages of the portal: missions and sign-up, hours,
expenses, profile and consents, the calendar feed; the volunteer's parts of
the home page. The volunteer is joined to the session of every page
(connexion_portal's framework: add_profile) and a volunteer who left
is shut out.

Routes run as the root user: every page reads and writes only the records
of the logged-in volunteer, looked up from the session, never from an id
taken alone from the URL or the form.
"""
import datetime as dt
import re
from decimal import Decimal

from sql import Null
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.wsgi import app

from connexion_asso import formatting, public
from connexion_portal import portal_forms
from connexion_portal.ics import icalendar
from connexion_portal.portal import PREFIX, route
from connexion_portal.portal_forms import Form
from connexion_portal.queries import execute, parse_datetime
from connexion_portal.registry import (
    Event, add_calendar_source, add_home_section, add_login_check, add_nav,
    add_profile, calendar_events)
from connexion_portal.template import selection
from connexion_portal.portal_routes import no_profile

# How far ahead the open missions are shown.
MISSION_DAYS = 60
# Coming shifts shown on the home page.
UPCOMING_LIMIT = 20

add_nav(20, '/missions', 'connexion_volunteer.msg_portal_nav_missions')
add_nav(30, '/heures', 'connexion_volunteer.msg_portal_nav_hours')
add_nav(35, '/frais', 'connexion_volunteer.msg_portal_nav_expenses')
add_nav(90, '/profil', 'connexion_volunteer.msg_portal_nav_profile')


# The volunteer of the web user (same party), on every page

# Volunteers of these statuses are shut out of the portal: they cannot log
# in, and a session opened before ends at its next request.
CLOSED_STATUSES = {'left'}
CLOSED_MESSAGE = 'connexion_volunteer.msg_portal_closed'


def _join_volunteer(pool, query, user):
    "The volunteer of the web user's party: id, status, calendar token."
    volunteer = pool.get('connexion.volunteer').__table__()
    query = query.join(volunteer, 'LEFT',
        condition=(volunteer.party == user.party) & (user.party != Null))
    return query, [volunteer.id, volunteer.status, volunteer.calendar_token]


def _load_volunteer(page, values):
    volunteer_id, status, token = next(values), next(values), next(values)
    if status in CLOSED_STATUSES:
        return CLOSED_MESSAGE
    if volunteer_id:
        page.volunteer_id = volunteer_id
        page.info = {'status': status, 'calendar_token': token}


add_profile('volunteer', _join_volunteer, _load_volunteer)


def _closed(pool, user):
    "The refusal at login of a web user whose volunteer profile is closed."
    if not user.party:
        return None
    Volunteer = pool.get('connexion.volunteer')
    if Volunteer.search([
                ('party', '=', user.party.id),
                ('status', 'in', list(CLOSED_STATUSES)),
                ], limit=1):
        return CLOSED_MESSAGE


add_login_check(_closed)


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
    cursor = execute(page.pool, 'connexion_volunteer.upcoming',
        _upcoming_query, volunteer=page.volunteer_id, now=dt.datetime.now())
    return [(signup_id, state, parse_datetime(start), parse_datetime(end),
            name, place)
        for signup_id, state, start, end, name, place in cursor]


def home_missions(page):
    "The volunteer's coming missions, first on the home page."
    if not page.volunteer_id:
        return ''
    Signup = page.pool.get('connexion.mission.signup')
    return page.fragment('connexion_volunteer/templates/portal_home.html',
        part='missions',
        active=page.info['status'] in {'onboarding', 'active'},
        signups=upcoming(page), states=selection(Signup, 'state'))


def home_calendar(page):
    "The link to the volunteer's calendar feed, last on the home page."
    if not page.volunteer_id:
        return ''
    # Absolute: calendar applications keep it outside the portal.
    calendar = page.absolute_url(
        f'/agenda/{page.info["calendar_token"]}.ics')
    return page.fragment('connexion_volunteer/templates/portal_home.html',
        part='calendar', calendar=calendar)


add_home_section(10, home_missions)
add_home_section(90, home_calendar)


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
    return page.render('connexion_volunteer/templates/portal_missions.html',
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
            gettext('connexion_volunteer.msg_portal_mission_not_found_title'),
            gettext('connexion_volunteer.msg_portal_mission_not_found'),
            '/missions',
            gettext('connexion_volunteer.msg_portal_see_missions'))
    signup = Signup.sign_up(page.volunteer, shifts[0])
    if signup.state == 'accepted':
        message = 'connexion_volunteer.msg_portal_signed_up'
    else:
        message = 'connexion_volunteer.msg_portal_waiting_list'
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
            gettext('connexion_volunteer.msg_portal_signup_not_found_title'),
            gettext('connexion_volunteer.msg_portal_signup_not_found'))
    Signup.cancel(signups)
    return page.redirect('/',
        gettext('connexion_volunteer.msg_portal_cancelled'))


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
        form.error('km', gettext('connexion_volunteer.msg_portal_distance',
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
                gettext('connexion_volunteer.msg_portal_date_future'))
        elif form.get(name).strip():
            form.error(name, gettext(
                    'connexion_volunteer.msg_portal_date_format',
                    example=formatting.format_date(today)))
        else:
            form.error(name, gettext('connexion_volunteer.msg_portal_date'))
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
                gettext('connexion_volunteer.msg_portal_hours_mission'))
        date = _past_date(form)
        quantity = portal_forms.decimal(form.get('heures'), Decimal('0.01'),
            MAX_HOURS)
        if quantity is None:
            form.error('heures',
                gettext('connexion_volunteer.msg_portal_hours_quantity'))
        distance = _distance(form)
        if not form.errors:
            line = page.attempt(form, Hours.log_hours, volunteer, mission,
                date, quantity, distance,
                portal_forms.text(form.get('description'), TEXT_MAX))
            if line:
                return page.redirect('/heures',
                    gettext('connexion_volunteer.msg_portal_hours_saved'))
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
    return page.render('connexion_volunteer/templates/portal_hours.html',
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
                'connexion_volunteer.msg_portal_receipt_too_large',
                size=limit // (1024 * 1024)))
        return None
    kind = portal_forms.file_kind(data)
    if not kind:
        form.error('justificatif',
            gettext('connexion_volunteer.msg_portal_receipt_kind'))
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
                    gettext('connexion_volunteer.msg_portal_expense_amount'))
        elif not Expense.mileage_rate():
            form.error('montant',
                gettext('connexion_volunteer.msg_portal_expense_no_rate'))
        if not description:
            if distance and 'montant' not in form.errors:
                description = gettext(
                    'connexion_volunteer.msg_portal_expense_journey',
                    distance=distance)
            else:
                form.error('description', gettext(
                        'connexion_volunteer.msg_portal_expense_description'))
        mission = None
        if form.get('mission'):
            mission = _mission_from_form(page, form.get('mission'))
            if not mission:
                form.error('mission',
                    gettext('connexion_volunteer.msg_portal_expense_mission'))
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
                                    'connexion_volunteer'
                                    '.msg_portal_expense_attachment'),
                                }])
                if expense.renunciation:
                    message = 'connexion_volunteer.msg_portal_expense_waived'
                else:
                    message = 'connexion_volunteer.msg_portal_expense_saved'
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
    return page.render('connexion_volunteer/templates/portal_expenses.html',
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
            form.error(name, gettext('connexion_volunteer.msg_portal_too_long',
                    maximum=PROFILE_MAX[name]))
        values[column] = value
    phone = values['emergency_contact_phone']
    if (phone and 'urgence_tel' not in form.errors
            and (not _PHONE.fullmatch(phone)
                or sum(c.isdigit() for c in phone) < 6)):
        form.error('urgence_tel',
            gettext('connexion_volunteer.msg_portal_phone'))
    return values


def _save_profile(page, values, purposes, form):
    "The profile and the consents ticked or unticked, with their proof."
    pool = page.pool
    Party = pool.get('party.party')
    volunteer = page.volunteer
    party = volunteer.party
    pool.get('connexion.volunteer').write([volunteer], values)
    now = page.local(dt.datetime.now()).strftime('%d/%m/%Y %H:%M')
    for purpose in purposes:
        wanted = form.checked(f'consent_{purpose.id}')
        if wanted != party.has_consent(purpose.code):
            proof = {'channel': 'portal', 'proof': gettext(
                    'connexion_volunteer.msg_portal_consent_ticked' if wanted
                    else 'connexion_volunteer.msg_portal_consent_unticked',
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
                gettext('connexion_volunteer.msg_portal_profile_saved'))
    return page.render('connexion_volunteer/templates/portal_profile.html',
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
    cursor = execute(pool, 'connexion_volunteer.calendar_missions',
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
    row = execute(pool, 'connexion_volunteer.calendar_token', _token_query,
        token=token).fetchone() if _CALENDAR_TOKEN.fullmatch(token) else None
    if not row:
        return Response(
            gettext('connexion_volunteer.msg_portal_calendar_not_found'), 404,
            content_type='text/plain; charset=utf-8')
    since = dt.datetime.now() - dt.timedelta(days=CALENDAR_DAYS)
    events = calendar_events(pool, row[0], since)
    return Response(icalendar(events,
            gettext('connexion_volunteer.msg_portal_calendar_name'),
            public.public_host()), 200,
        content_type='text/calendar; charset=utf-8',
        headers={'Cache-Control': 'private, max-age=900',
            'Referrer-Policy': 'no-referrer'})
