"""The volunteer portal's own pages: login, home, missions, hours, profile.

Routes run as the root user: every page reads and writes only the records
of the logged-in volunteer, looked up from the session, never from an id
taken alone from the URL or the form.
"""
import datetime as dt
import hmac
import re
import secrets
import urllib.parse
from decimal import Decimal

from trytond.config import config
from trytond.pool import Pool
from trytond.protocols.wrappers import Response, with_pool, with_transaction
from trytond.wsgi import app

from sql.conditionals import Coalesce

from . import formatting, portal_forms, public
from .formatting import format_amount
from .portal import (
    CLOSED_MESSAGE, CLOSED_STATUSES, PREFIX, SESSION_COOKIE, Event, Form,
    add_calendar_source, add_nav, calendar_events, checkbox_field,
    date_field, execute, file_field, format_datetime, h,
    home_sections, icalendar, input_field, local, parse_datetime,
    password_field, route, select_field)

# How far ahead the open missions are shown.
MISSION_DAYS = 60
# Coming shifts shown on the home page.
UPCOMING_LIMIT = 20

add_nav(10, '/', "Accueil")
add_nav(20, '/missions', "Missions")
add_nav(30, '/heures', "Mes heures")
add_nav(35, '/frais', "Mes frais")
add_nav(90, '/profil', "Mon profil")


def no_profile(page):
    return page.error(403, "Pas de profil bénévole",
        "Votre compte n'est relié à aucun profil bénévole : vous ne pouvez "
        "pas encore utiliser l'espace bénévoles. Contactez l'association "
        "pour qu'elle relie votre profil à votre adresse e-mail.")


def shift_text(shift):
    return format_datetime(local(shift.start), local(shift.end))


# Login, logout, password reset
#
# web_user's authenticate and set_password_token are not called: they sleep
# 2^n - 1 s inside the request after n failures. Failures are counted in
# connexion.portal.attempt (per account and per client address, see
# portal_security.py) and refused with 429 at once past the limit, before
# any password or token is checked.

TOO_MANY = ("Trop de tentatives : patientez quelques minutes avant de "
    "réessayer, ou choisissez un nouveau mot de passe avec le lien « Mot "
    "de passe oublié ? ».")
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


def _login_form(page, form=None, suite='/'):
    form = form or Form()
    fields = (
        input_field(form, 'email', "Adresse e-mail", type='email',
            autocomplete='username', required=True)
        + password_field(form, 'password', "Mot de passe",
            autocomplete='current-password', required=True)
        + f'<input type="hidden" name="suite" value="{h(suite)}">')
    return (page.form('/connexion', fields, "Se connecter")
        + f'<p><a href="{h(page.url("/mot-de-passe-oublie"))}">'
        'Mot de passe oublié ?</a></p>')


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
        return page.render("Connexion", _login_form(page, suite=suite),
            nav=False)
    form = Form(request.form)
    email = _clean_email(form.get('email'))
    password = request.form.get('password') or ''
    keys = Attempt.keys('login', email, request.remote_addr)
    if not Attempt.check(keys):
        form.error('', TOO_MANY)
        return page.render("Connexion", _login_form(page, form, suite),
            status=429, nav=False, form=form)
    user = _authenticate(pool, email, password)
    if not user:
        Attempt.fail(keys)
        form.error('password', "Adresse e-mail ou mot de passe incorrect : "
            "vérifiez-les, ou choisissez un nouveau mot de passe avec le "
            "lien « Mot de passe oublié ? ».")
        return page.render("Connexion", _login_form(page, form, suite),
            status=401, nav=False, form=form)
    Attempt.clear(Attempt.keys('login', email))
    if _closed(pool, user):
        return page.render("Connexion", _login_form(page, suite=suite),
            status=403, nav=False, error=CLOSED_MESSAGE)
    key = user.new_session()
    page.set_cookie(SESSION_COOKIE, key)
    return page.redirect(suite)


@route('/deconnexion', methods=['POST'])
def logout(request, page):
    page.pool.get('web.user.session').remove(page.session_key)
    page.set_cookie(SESSION_COOKIE, '', 0)
    return page.redirect('/connexion', "Vous êtes déconnecté·e. À bientôt !")


@route('/mot-de-passe-oublie', methods=['GET', 'POST'], login=False)
def forgotten(request, page):
    "Send a reset link; the answer never says whether the e-mail is known."
    if request.method == 'POST':
        user = _web_user(page.pool, _clean_email(request.form.get('email')))
        if user:
            send_reset_email(page, user)
        return page.redirect('/connexion',
            "Si cette adresse est connue, un e-mail vient de vous être "
            "envoyé avec un lien pour choisir un nouveau mot de passe.")
    fields = ('<label for="email">Votre adresse e-mail</label>'
        '<input id="email" name="email" type="email" required>')
    return page.render("Mot de passe oublié",
        '<p>Indiquez votre adresse e-mail : vous recevrez un lien pour '
        'choisir un nouveau mot de passe.</p>'
        + page.form('/mot-de-passe-oublie', fields, "Recevoir le lien"),
        nav=False)


def send_reset_email(page, user):
    """The link names [connexion] public_url, never the request's Host
    (a forged one would send the victim's link to another site)."""
    from email.message import EmailMessage
    from trytond.sendmail import send_message_transactional
    now = dt.datetime.now()
    if (user.reset_password_token_expire
            and user.reset_password_token_expire > now):
        return  # one link at a time, as web_user does
    user.set_reset_password_token()
    user.save()
    url = page.absolute_url('/nouveau-mot-de-passe', email=user.email,
        token=user.reset_password_token)
    msg = EmailMessage()
    msg['From'] = config.get('email', 'from')
    msg['To'] = user.email
    msg['Subject'] = "Votre nouveau mot de passe pour l'espace bénévoles"
    msg.set_content(
        "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien "
        f"(valable 24 heures) :\n\n{url}\n\n"
        "Si vous n'avez rien demandé, ignorez ce message.\n")
    send_message_transactional(msg)


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

    def form_html():
        fields = (f'<input type="hidden" name="email" value="{h(email)}">'
            f'<input type="hidden" name="token" value="{h(token)}">'
            + password_field(form, 'password', "Nouveau mot de passe",
                hint="8 caractères au moins.",
                autocomplete='new-password', minlength=8, required=True))
        return page.form('/nouveau-mot-de-passe', fields, "Enregistrer")
    if request.method == 'POST':
        password = request.form.get('password') or ''
        if len(password) < 8 or len(password) > MAX_PASSWORD:
            form.error('password', "Choisissez un mot de passe de 8 à "
                f"{MAX_PASSWORD} caractères.")
            return page.render("Nouveau mot de passe", form_html(),
                status=400, nav=False, form=form)
        email = _clean_email(email)
        keys = Attempt.keys('token', email, request.remote_addr)
        if not Attempt.check(keys):
            return page.render("Nouveau mot de passe",
                f'<p>{h(TOO_MANY)}</p>', status=429, nav=False)
        if _reset_password(pool, email, token, password):
            Attempt.clear(Attempt.keys('token', email)
                | Attempt.keys('login', email))
            return page.redirect('/connexion',
                "Votre mot de passe est enregistré : connectez-vous.")
        Attempt.fail(keys)
        return page.render("Nouveau mot de passe",
            '<p>Ce lien n\'est plus valable (il sert une fois, pendant '
            f'24 heures). <a href="{h(page.url("/mot-de-passe-oublie"))}">'
            'Demandez-en un nouveau</a>.</p>', status=400, nav=False)
    return page.render("Nouveau mot de passe", form_html(), nav=False)


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


def _signup_card(page, row):
    signup_id, state, start, end, name, place = row
    badge = ('<span class="badge">Inscrit·e</span>'
        if state == 'accepted'
        else '<span class="badge wait">Liste d\'attente</span>')
    cancel = page.form(f'/inscriptions/{signup_id}/annuler', '',
        "Me désinscrire", css='inline', button_css='secondary')
    return (f'<article class="card"><h3>{h(name)}</h3>'
        f'<p>{h(format_datetime(local(start), local(end)))}</p>'
        + (f'<p class="muted">{h(place)}</p>' if place else '')
        + f'<p>{badge}</p>{cancel}</article>')


@route('/')
def home(request, page):
    if not page.volunteer_id:
        return no_profile(page)
    info = page.info
    first_name = (info['name'].split() or [''])[0]
    body = []
    if info['status'] not in {'onboarding', 'active'}:
        body.append('<p class="notice error">Votre profil n\'est pas actif :'
            ' vous ne pouvez pas vous inscrire aux missions. Contactez '
            'votre équipe.</p>')
    body.append('<h2>Mes prochaines missions</h2>')
    signups = upcoming(page)
    if signups:
        body.extend(_signup_card(page, s) for s in signups)
    else:
        body.append('<p>Aucune mission prévue pour le moment.</p>')
    body.append(f'<p><a class="button" href="{h(page.url("/missions"))}">'
        'Voir les missions ouvertes</a></p>')
    body.extend(home_sections(page))
    # Absolute: calendar applications keep it outside the portal.
    calendar = page.absolute_url(f'/agenda/{info["calendar_token"]}.ics')
    body.append('<h2>Mon agenda</h2><p>Ajoutez vos rendez-vous bénévoles à '
        'l\'agenda de '
        f'votre téléphone avec <a href="{h(calendar)}">ce lien '
        'personnel</a> (ne le partagez pas).</p>')
    return page.render(f"Bonjour {first_name} !", '\n'.join(body))


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
    cards = []
    for shift in shifts:
        mission = shift.mission
        signup = mine.get(shift.id)
        missing = shift.missing
        seats = (f'{missing} place{"s" if missing > 1 else ""} libre'
            f'{"s" if missing > 1 else ""}' if missing
            else 'Complet : liste d\'attente')
        if signup and signup.state in {'accepted', 'waiting'}:
            action = ('<p><span class="badge">Inscrit·e</span></p>'
                if signup.state == 'accepted'
                else '<p><span class="badge wait">Liste d\'attente</span></p>')
        else:
            action = page.form(f'/missions/{shift.id}/inscription', '',
                "Je m'inscris" if missing
                else "Me mettre sur liste d'attente", css='inline')
        cards.append(f'<article class="card"><h3>{h(mission.name)}</h3>'
            f'<p>{h(shift_text(shift))}</p>'
            + (f'<p class="muted">{h(mission.place)}</p>' if mission.place
                else '')
            + (f'<p>{h(mission.description)}</p>' if mission.description
                else '')
            + f'<p class="muted">{h(mission.team.name)} – {h(seats)}</p>'
            + action + '</article>')
    if not cards:
        cards.append('<p>Aucune mission ouverte pour le moment.</p>')
    return page.render("Missions ouvertes", '\n'.join(cards))


@route('/missions/<int:shift_id>/inscription', methods=['POST'])
def sign_up(request, page, shift_id):
    pool = page.pool
    Shift = pool.get('connexion.mission.shift')
    Signup = pool.get('connexion.mission.signup')
    if not page.volunteer:
        return no_profile(page)
    shifts = Shift.search([('id', '=', shift_id)])
    if not shifts:
        return page.error(404, "Mission introuvable", "Cette mission "
            "n'existe plus ou son lien est incomplet : choisissez-en une "
            "dans la liste des missions ouvertes.", '/missions',
            "Voir les missions ouvertes")
    signup = Signup.sign_up(page.volunteer, shifts[0])
    if signup.state == 'accepted':
        message = "C'est noté : vous êtes inscrit·e. Merci !"
    else:
        message = ("La mission est complète : vous êtes sur la liste "
            "d'attente. Nous vous préviendrons si une place se libère.")
    return page.redirect('/', message)


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
        return page.error(404, "Inscription introuvable",
            "Vous n'êtes pas (ou plus) inscrit·e à ce créneau : vos "
            "inscriptions en cours sont sur la page d'accueil.")
    Signup.cancel(signups)
    return page.redirect('/', "Votre désinscription est enregistrée.")


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
        form.error('km', "Indiquez les kilomètres en nombre entier, entre 0 "
            f"et {MAX_DISTANCE}, par exemple 12.")
    return distance


def _past_date(form, name="date"):
    "The date typed (jj/mm/aaaa or ISO), not in the future, else an error."
    today = Pool().get('ir.date').today()
    date = portal_forms.date(form.get(name), maximum=today)
    if not date:
        typed = portal_forms.date(form.get(name))
        if typed:
            form.error(name, "Vous avez indiqué une date à venir : indiquez "
                "le jour passé concerné, au plus tard aujourd'hui.")
        elif form.get(name).strip():
            form.error(name, "Indiquez la date au format jj/mm/aaaa, par "
                f"exemple {formatting.format_date(today)}.")
        else:
            form.error(name, "Indiquez la date, au format jj/mm/aaaa.")
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
            form.error('mission', "Choisissez la mission dans la liste : "
                "seules les missions auxquelles vous avez participé y "
                "figurent.")
        date = _past_date(form)
        quantity = portal_forms.decimal(form.get('heures'), Decimal('0.01'),
            MAX_HOURS)
        if quantity is None:
            form.error('heures', "Indiquez un nombre d'heures entre 0,25 et "
                "24, par exemple 2,5.")
        distance = _distance(form)
        if not form.errors:
            line = page.attempt(form, Hours.log_hours, volunteer, mission,
                date, quantity, distance,
                portal_forms.text(form.get('description'), TEXT_MAX))
            if line:
                return page.redirect('/heures', "Merci ! Vos heures sont "
                    "enregistrées ; l'équipe les validera.")
        return page.render("Mes heures", _hours_body(page, form),
            status=400, form=form)
    return page.render("Mes heures", _hours_body(page))


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


def _hours_body(page, form=None):
    "The hours form (with the values typed, after an error) and the list."
    pool = page.pool
    Hours = pool.get('connexion.volunteer.hours')
    volunteer = page.volunteer
    form = form or Form()
    today = pool.get('ir.date').today()
    missions = my_missions(page)
    if missions:
        fields = (
            select_field(form, 'mission', "Mission",
                _mission_options(missions), required=True)
            + date_field(form, 'date', "Date", today, required=True)
            + input_field(form, 'heures', "Nombre d'heures",
                hint="Par exemple 2,5 pour deux heures et demie.",
                inputmode='decimal', required=True)
            + input_field(form, 'km', "Kilomètres parcourus (facultatif)",
                inputmode='numeric')
            + input_field(form, 'description', "Commentaire (facultatif)",
                maxlength=TEXT_MAX))
        form_html = page.form('/heures', fields, "Enregistrer mes heures")
    else:
        form_html = ('<p>Vous pourrez noter vos heures après votre première '
            'mission.</p>')
    states = {'draft': "À valider", 'validated': "Validées",
        'refused': "Refusées"}
    lines, pager = _paged(page, Hours, [('volunteer', '=', volunteer.id)])
    # The year's total from every line of the year, not from the page shown.
    year_total = sum((l.hours for l in Hours.search([
                    ('volunteer', '=', volunteer.id),
                    ('date', '>=', today.replace(month=1, day=1)),
                    ('date', '<=', today.replace(month=12, day=31)),
                    ('state', '!=', 'refused'),
                    ])), Decimal(0))
    rows = ''.join(
        f'<tr><td>{l.date.strftime("%d/%m/%Y")}</td>'
        f'<td>{h(l.mission.name)}</td>'
        f'<td>{h(format_hours(l.hours))} h</td>'
        f'<td>{h(states[l.state])}</td></tr>' for l in lines)
    table = ('<table><thead><tr><th>Date</th><th>Mission</th><th>Heures</th>'
        f'<th>État</th></tr></thead><tbody>{rows}</tbody></table>'
        if lines else '<p>Aucune heure enregistrée.</p>')
    total = format_hours(year_total)
    return (f'<section class="card">{form_html}</section>'
        f'<h2>Mes heures ({today.year} : {h(total)} h)</h2>{table}{pager}')


PAGE_SIZE = 50


def _paged(page, Model, domain):
    """The records of the list page asked by ?page=N (latest first) and the
    links to the other pages: a long history is paged, never cut."""
    number = portal_forms.integer(page.request.args.get('page'), 1, 10**6) or 1
    count = Model.search_count(domain)
    records = Model.search(domain, offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE)
    links = []
    path = page.request.path[len(page.base):] or '/'
    if number > 1:
        links.append(f'<a href="{h(page.url(path, page=number - 1))}">'
            'Plus récentes</a>')
    if number * PAGE_SIZE < count:
        links.append(f'<a href="{h(page.url(path, page=number + 1))}">'
            'Plus anciennes</a>')
    pager = (f'<p class="pager">{" · ".join(links)}</p>' if links else '')
    return records, pager


# Expenses and abandon de frais

MAX_AMOUNT = Decimal(10000)
EXPENSE_STATES = {
    'draft': "À examiner", 'approved': "Acceptée", 'reimbursed': "Remboursée",
    'waived': "Laissée en don", 'refused': "Refusée"}


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
        form.error('justificatif', "Votre justificatif dépasse "
            f"{limit // (1024 * 1024)} Mo : envoyez une photo plus légère "
            "(moins bien définie) ou un PDF plus court.")
        return None
    kind = portal_forms.file_kind(data)
    if not kind:
        form.error('justificatif', "Votre justificatif doit être une photo "
            "(JPEG, PNG, HEIC, WebP) ou un PDF : prenez le ticket en photo "
            "et choisissez cette photo.")
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
                form.error('montant', "Indiquez le montant en euros, par "
                    "exemple 12,50, ou seulement les kilomètres parcourus "
                    "en voiture.")
        elif not Expense.mileage_rate():
            form.error('montant', "L'association n'a pas encore fixé son "
                "indemnité kilométrique : indiquez le montant en euros.")
        if not description:
            if distance and 'montant' not in form.errors:
                description = f"Trajet en voiture ({distance} km)"
            else:
                form.error('description', "Dites ce que vous avez payé, par "
                    "exemple : gâteaux pour le goûter.")
        mission = None
        if form.get('mission'):
            mission = _mission_from_form(page, form.get('mission'))
            if not mission:
                form.error('mission', "Choisissez une de vos missions dans "
                    "la liste, ou « — » si la dépense n'en concerne aucune.")
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
                                'description': "Envoyé par le bénévole sur "
                                "le portail"}])
                if expense.renunciation:
                    message = ("Merci ! Votre don est noté : l'équipe "
                        "vérifiera vos justificatifs puis vous enverra un "
                        "reçu fiscal.")
                else:
                    message = ("Merci ! Votre demande est enregistrée ; "
                        "l'équipe vérifiera vos justificatifs avant le "
                        "remboursement.")
                return page.redirect('/frais', message)
        return page.render("Mes frais", _expenses_body(page, form),
            status=400, form=form)
    return page.render("Mes frais", _expenses_body(page))


# A phone photo of a receipt is larger than trytond's 2 MB default; a
# file a little over the limit still gets the French answer.
expenses.max_request_size = (
    portal_forms.receipt_max_size() + 1024 * 1024)


def _expenses_body(page, form=None):
    "The claim form (with the values typed, after an error) and the list."
    pool = page.pool
    Expense = pool.get('connexion.volunteer.expense')
    form = form or Form()
    today = pool.get('ir.date').today()
    missions = my_missions(page)
    rate = Expense.mileage_rate()
    km_hint = ("En voiture : les kilomètres seuls suffisent, le montant est "
        f"calculé à {format_hours(rate)}\u00a0€ par km." if rate else None)
    fields = (
        date_field(form, 'date', "Date de la dépense", today, required=True)
        + input_field(form, 'description', "Ce que vous avez payé",
            hint="Par exemple : gâteaux pour le goûter.",
            maxlength=TEXT_MAX)
        + input_field(form, 'montant', "Montant (€)",
            hint="Par exemple 12,50." + (
                " Laissez vide pour un trajet en voiture : indiquez alors "
                "les kilomètres." if rate else ""),
            inputmode='decimal')
        + input_field(form, 'km', "Kilomètres en voiture (facultatif)",
            hint=km_hint, inputmode='numeric')
        + (select_field(form, 'mission', "Mission (facultatif)",
                _mission_options(missions, empty='—'))
            if missions else '')
        + file_field(form, 'justificatif', "Photo du ticket ou de la "
            "facture (facultatif)", hint="Photo JPEG, PNG, HEIC, WebP ou "
            f"PDF, {portal_forms.receipt_max_size() // (1024 * 1024)} Mo au "
            "plus.", accept='image/jpeg,image/png,image/heic,image/webp,'
            'application/pdf')
        + checkbox_field(form, 'abandon', "Je renonce au remboursement et "
            "laisse ces frais en don à l'association (abandon de frais, "
            "avec reçu fiscal)"))
    form_html = page.form('/frais', fields, "Envoyer ma demande", files=True)
    lines, pager = _paged(page, Expense,
        [('volunteer', '=', page.volunteer.id)])
    rows = ''.join(
        f'<tr><td>{e.date.strftime("%d/%m/%Y")}</td>'
        f'<td>{h(e.description)}'
        + (f'<br><span class="muted">{e.distance} km</span>'
            if e.distance else '')
        + f'</td><td>{h(format_amount(e.amount))}</td>'
        f'<td>{h(EXPENSE_STATES[e.state])}'
        + (' (don)' if e.renunciation and e.state != 'waived' else '')
        + '</td></tr>' for e in lines)
    table = ('<table><thead><tr><th>Date</th><th>Dépense</th>'
        f'<th>Montant</th><th>État</th></tr></thead><tbody>{rows}</tbody>'
        '</table>' if lines else '<p>Aucune demande pour le moment.</p>')
    return ('<p>Vous avez payé quelque chose pour l\'association ? '
        'Demandez le remboursement, ou laissez la somme en don : vous '
        'recevrez alors un reçu fiscal. Gardez vos tickets.</p>'
        f'<section class="card">{form_html}</section>'
        f'<h2>Mes demandes</h2>{table}{pager}')


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
            form.error(name, f"Écrivez au plus {PROFILE_MAX[name]} "
                "caractères : raccourcissez ce texte.")
        values[column] = value
    phone = values['emergency_contact_phone']
    if (phone and 'urgence_tel' not in form.errors
            and (not _PHONE.fullmatch(phone)
                or sum(c.isdigit() for c in phone) < 6)):
        form.error('urgence_tel', "Indiquez un numéro de téléphone en "
            "chiffres, par exemple 06 12 34 56 78.")
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
            proof = {'channel': 'portal', 'proof': (
                    f"Case {'cochée' if wanted else 'décochée'} sur le "
                    f"portail bénévole le {now} (compte {page.email})")}
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
                "Vos informations sont enregistrées.")
    fields = (
        f'<p><strong>{h(party.name)}</strong><br>{h(page.email)}</p>'
        + input_field(form, 'langues', "Langues parlées",
            volunteer.languages or '', maxlength=PROFILE_MAX['langues'])
        + input_field(form, 'urgence_nom', "Personne à prévenir en cas "
            "d'urgence", volunteer.emergency_contact_name or '',
            maxlength=PROFILE_MAX['urgence_nom'])
        + input_field(form, 'urgence_tel', "Son téléphone",
            volunteer.emergency_contact_phone or '', type='tel',
            maxlength=PROFILE_MAX['urgence_tel']))
    if purposes:
        fields += '<h2>Mes accords</h2>'
        for purpose in purposes:
            fields += checkbox_field(form, f'consent_{purpose.id}',
                purpose.name, party.has_consent(purpose.code))
            if purpose.description:
                fields += f'<p class="muted">{h(purpose.description)}</p>'
    return page.render("Mon profil",
        page.form('/profil', fields, "Enregistrer"),
        status=400 if form.errors else 200, form=form)


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
        return Response("Agenda introuvable", 404,
            content_type='text/plain; charset=utf-8')
    since = dt.datetime.now() - dt.timedelta(days=CALENDAR_DAYS)
    events = calendar_events(pool, row[0], since)
    return Response(icalendar(events, "Mon agenda bénévole",
            public.public_host()), 200,
        content_type='text/calendar; charset=utf-8',
        headers={'Cache-Control': 'private, max-age=900',
            'Referrer-Policy': 'no-referrer'})
