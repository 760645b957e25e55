"""Demo volunteers: 60 fictional people at every status, skills,
onboarding, missions with shifts, a year of hours, and their portal
accounts (the logins printed by scripts/demo)."""
import datetime as dt
import random
from decimal import Decimal

from connexion_asso.demo import DEMO_PASSWORD, TEAMS

# Euros per km for volunteers' car journeys (the association's choice).
MILEAGE_RATE = Decimal('0.335')


def load(pool):
    Association = pool.get('connexion.association')
    Team = pool.get('connexion.team')
    association = Association.get_singleton()
    if association and not association.mileage_rate:
        Association.write([association], {'mileage_rate': MILEAGE_RATE})
    teams = {}
    for code, _, _, _ in TEAMS:
        teams[code], = Team.search([('code', '=', code)])
    return load_volunteers(pool, teams)


def login_sections():
    "Demo logins printed by scripts/demo: [(title, [(login, password, who)])]."
    return [("Portail bénévoles (/<base>/portal/)", portal_logins())]


def portal_logins():
    """Portal accounts that can do everything: active volunteers of each
    team with a history of hours and a valid criminal-record check (missions
    with children), then one volunteer still in onboarding, labelled so."""
    team_names = {code: name for code, name, _, _ in TEAMS}
    team_codes = [code for code, _, _, _ in TEAMS]
    people = volunteer_people()
    active = [i for i, (_, _, status) in enumerate(people)
        if status == 'active']
    rows, seen = [], set()
    # The first 8 active volunteers have the history (load_volunteers); a
    # check of i % 9 == 0 expires soon.
    for i in active[:8]:
        team = team_codes[i % 4]
        if i % 9 == 0 or team in seen:
            continue
        seen.add(team)
        first, last, _ = people[i]
        rows.append((volunteer_email(i), DEMO_PASSWORD,
                f"{first} {last}, bénévole en activité, équipe "
                f"{team_names[team]}"))
    i = next(i for i, (_, _, status) in enumerate(people)
        if status == 'onboarding' and i % 2 == 0)
    first, last, _ = people[i]
    rows.append((volunteer_email(i), DEMO_PASSWORD,
            f"{first} {last}, bénévole {STATUS_FR['onboarding']} (accueil "
            "pas terminé : pas encore d'extrait de casier judiciaire, donc "
            "pas de mission auprès d'enfants)"))
    return rows


# Volunteers: 60 fictional people at every status, missions with shifts
# and a year of hours.
FIRST_NAMES = [
    "Agathe", "Bastien", "Céline", "Damien", "Élodie", "Fabrice", "Gaëlle",
    "Hugo", "Isabelle", "Jérôme", "Karine", "Laurent", "Manon", "Nicolas",
    "Océane", "Pascal", "Quentin", "Rachida", "Samuel", "Tiphaine",
    ]
LAST_NAMES = [
    "Aubert", "Barbier", "Carpentier", "Delorme", "Esnault", "Ferrand",
    "Guillot", "Hamon", "Joly", "Lacroix", "Marty", "Noël", "Olivier",
    "Perrin", "Renaud", "Schmitt", "Tessier", "Vidal", "Weber", "Zimmermann",
    ]
STATUS_FR = {'candidate': "candidate", 'onboarding': "en intégration",
    'active': "active", 'paused': "en pause", 'left': "partie"}
SKILLS = ["Animation", "Conduite", "Photographie", "Langue des signes",
    "Accompagnement en milieu hospitalier", "Logistique"]
# name, team, place, minors, seats, weekday, hour, duration, self sign-up
MISSIONS = [
    ("Visites en pédiatrie – Hôpital des Tilleuls", 'HOPITAUX',
        "Hôpital des Tilleuls, service de pédiatrie, Paris 14e", True, 2,
        2, 14, 3, True),
    ("Ateliers jeux à la Maison des familles", 'HOPITAUX',
        "Maison des familles, 8 allée des Cèdres, Paris 13e", True, 3,
        5, 10, 3, True),
    ("Permanence téléphonique", 'ADMIN', "Local de l'association", False,
        1, 1, 9, 3, True),
    ("Préparation des colis de rêve", 'REVES', "Local de l'association",
        False, 4, 3, 18, 2, True),
    ("Stand de collecte au marché", 'COLLECTE',
        "Marché de la place des Fêtes", False, 3, 6, 9, 4, True),
    ]


def volunteer_people():
    "60 fictional (first name, last name, status), always the same."
    statuses = (['candidate'] * 8 + ['onboarding'] * 8 + ['active'] * 36
        + ['paused'] * 5 + ['left'] * 3)
    return [(FIRST_NAMES[i % 20], LAST_NAMES[(i * 7 + i // 20) % 20],
            statuses[i]) for i in range(60)]


def volunteer_email(i):
    return f'benevole{i + 1:02d}@mille-etoiles.example'


def load_volunteers(pool, teams):
    Party = pool.get('party.party')
    Volunteer = pool.get('connexion.volunteer')
    Skill = pool.get('connexion.volunteer.skill')
    Item = pool.get('connexion.volunteer.onboarding')
    Mission = pool.get('connexion.mission')
    Shift = pool.get('connexion.mission.shift')
    Signup = pool.get('connexion.mission.signup')
    Hours = pool.get('connexion.volunteer.hours')
    Level = pool.get('connexion.volunteer.level')
    Rate = pool.get('connexion.volunteer.rate')
    WebUser = pool.get('web.user')
    ModelData = pool.get('ir.model.data')

    if Volunteer.search([('party.name', '=', "Agathe Aubert")], limit=1):
        return "bénévoles déjà présents"
    rng = random.Random(4)
    today = pool.get('ir.date').today()

    # Rates approved by the board (SMIC horaire brut; 2 × SMIC for
    # professionals giving their skills).
    smic = Level(ModelData.get_id('connexion_volunteer', 'level_smic'))
    smic2 = Level(ModelData.get_id('connexion_volunteer', 'level_smic2'))
    rates = []
    for year, amount in [(today.year - 1, Decimal('11.88')),
            (today.year, Decimal('12.02'))]:
        for level, factor in [(smic, 1), (smic2, 2)]:
            rates.append({'level': level.id,
                    'start_date': dt.date(year, 1, 1),
                    'hourly_rate': amount * factor,
                    'reference': f"SMIC horaire brut {year} × {factor}, "
                    "décision du bureau"})
    Rate.create(rates)

    skills = {name: Skill(name=name) for name in SKILLS}
    Skill.save(list(skills.values()))

    people = volunteer_people()
    parties = Party.create([{
                'name': f"{first} {last}",
                'contact_mechanisms': [('create', [
                            {'type': 'email', 'value': volunteer_email(i)},
                            {'type': 'mobile',
                                'value': f'+33 6 00 00 {i // 10:02d} '
                                f'{i % 100:02d}'}])],
                } for i, (first, last, _) in enumerate(people)])
    team_codes = list(teams)
    volunteers = Volunteer.create([{
                'party': party.id,
                'teams': [('add', [teams[team_codes[i % 4]].id]
                        + ([teams['HOPITAUX'].id] if i % 3 == 0
                            and team_codes[i % 4] != 'HOPITAUX' else []))],
                'skills': [('add', [skills[SKILLS[i % 6]].id])],
                'languages': ["français", "français, anglais",
                    "français, arabe", "français, espagnol"][i % 4],
                'level': (smic2 if i % 10 == 0 else smic).id,
                'emergency_contact_name': f"Proche de {people[i][0]}",
                'emergency_contact_phone': f'+33 1 00 00 {i:02d} 00',
                'availabilities': [('create', [
                            {'weekday': str(i % 7), 'period': 'afternoon'},
                            {'weekday': str((i + 3) % 7),
                                'period': 'morning'}])],
                } for i, party in enumerate(parties)])

    # Onboarding: everybody but candidates signed the charter and had an
    # interview; most have a criminal-record check, a few expire soon.
    items = []
    for i, (volunteer, (_, _, status)) in enumerate(zip(volunteers, people)):
        if status == 'candidate':
            continue
        start = today - dt.timedelta(days=400 - i * 3)
        items += [
            {'volunteer': volunteer.id, 'kind': 'interview', 'date': start},
            {'volunteer': volunteer.id, 'kind': 'charter',
                'date': start + dt.timedelta(days=7)},
            ]
        if status != 'onboarding' or i % 2:
            check = start + dt.timedelta(days=10)
            expiry = (today + dt.timedelta(days=10 + i % 15) if i % 9 == 0
                else check + dt.timedelta(days=3 * 365))
            items.append({'volunteer': volunteer.id,
                    'kind': 'criminal_record', 'date': check,
                    'expiry_date': expiry,
                    'description': "Extrait de casier judiciaire (bulletin "
                    "n°3)"})
        if status in {'active', 'paused', 'left'}:
            items.append({'volunteer': volunteer.id, 'kind': 'training',
                    'date': start + dt.timedelta(days=30),
                    'description': "Formation « Accompagner un enfant "
                    "malade »"})
    Item.create(items)
    by_status = {}
    for volunteer, (_, _, status) in zip(volunteers, people):
        by_status.setdefault(status, []).append(volunteer)
    Volunteer.onboard(by_status['onboarding'] + by_status['active']
        + by_status['paused'] + by_status['left'])
    Volunteer.activate(by_status['active'] + by_status['paused']
        + by_status['left'])
    for status, reason in [('paused', "Pause pour raisons familiales."),
            ('left', "Déménagement en province.")]:
        Volunteer.write(by_status[status], {'status_reason': reason})
        getattr(Volunteer, {'paused': 'pause', 'left': 'leave'}[status])(
            by_status[status])

    # Missions: weekly shifts from a year ago to two months ahead.
    now = dt.datetime.combine(today, dt.time())
    missions = []
    for (name, team, place, minors, seats, weekday, hour, duration,
            self_signup) in MISSIONS:
        first_day = today - dt.timedelta(days=365)
        first_day += dt.timedelta(days=(weekday - first_day.weekday()) % 7)
        # Paris time, stored as UTC (winter offset is enough for a demo).
        first_start = dt.datetime.combine(first_day, dt.time(hour - 1))
        missions.append(Mission(name=name, team=teams[team], place=place,
                minors=minors, seats=seats, self_signup=self_signup,
                recurrence='weekly', first_start=first_start,
                first_end=first_start + dt.timedelta(hours=duration),
                until=today + dt.timedelta(days=60),
                description="Mission bénévole de l'équipe "
                f"{teams[team].name}."))
    Mission.save(missions)
    Mission.generate_shifts(missions)
    Mission.open(missions)

    # Sign-ups: active volunteers take part in one or two missions.
    by_status = {k: Volunteer.browse([v.id for v in vs])
        for k, vs in by_status.items()}
    cleared = [v for v in by_status['active'] if v.criminal_record_date]
    signups, hours = [], []
    for mission in missions:
        pool_ = cleared if mission.minors else by_status['active']
        regulars = rng.sample(pool_, min(len(pool_), mission.seats + 3))
        if not mission.minors and mission.seats > 3:
            # The volunteers of the printed portal logins have a history.
            regulars = by_status['active'][:8]
        for shift in Shift.search([('mission', '=', mission.id)]):
            future = shift.start > now
            # Leave gaps in the coming weeks for the portal to fill.
            count = (rng.randint(0, mission.seats) if future
                else mission.seats)
            for volunteer in rng.sample(regulars, count):
                if (mission.minors and not volunteer.may_meet_minors(
                            shift.start.date())):
                    continue
                signups.append({'shift': shift.id,
                        'volunteer': volunteer.id, 'state': 'accepted',
                        'origin': rng.choice(['staff', 'portal'])})
                if not future:
                    duration = (shift.end - shift.start).seconds / 3600
                    hours.append({'volunteer': volunteer.id,
                            'mission': mission.id,
                            'date': shift.start.date(),
                            'hours': Decimal(str(duration)),
                            'distance': rng.choice([None, 0, 8, 12, 25]),
                            'origin': rng.choice(['staff', 'portal'])})
    Signup.create(signups)
    lines = Hours.create(hours)
    limit = today - dt.timedelta(days=30)
    Hours.validate_hours([l for l in lines if l.date < limit])

    # Portal accounts for the volunteers who may act.
    WebUser.create([{
                'email': volunteer_email(i), 'password': DEMO_PASSWORD,
                'party': volunteer.party.id, 'email_valid': True}
            for i, volunteer in enumerate(volunteers)
            if people[i][2] in {'onboarding', 'active', 'paused'}])
    return (f"{len(volunteers)} bénévoles, {len(missions)} missions, "
        f"{len(signups)} inscriptions, {len(lines)} saisies d'heures")
