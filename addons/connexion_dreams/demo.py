"""Fictional demo data: 4 hospitals, 25 children, 40 dreams, visits.

Every name, address and pathology here is invented. ``load`` is idempotent:
hospitals, children, volunteers and schedules are looked up by their party
name, and the dreams of a child are created only once.
"""
import datetime as dt
import struct
import zlib
from decimal import Decimal

from trytond.transaction import Transaction

HOSPITALS = [
    ("Centre hospitalier universitaire de Valmont", "8 avenue des Platanes",
        "69008", "Valmont",
        ["Onco-hématologie pédiatrique", "Neurologie pédiatrique",
            "Soins palliatifs pédiatriques"]),
    ("Hôpital pédiatrique Sainte-Lumière", "42 rue du Moulin",
        "33000", "Bordeaux",
        ["Cardiologie pédiatrique", "Néphrologie pédiatrique"]),
    ("Hôpital des Tilleuls", "3 allée des Tilleuls", "59000", "Lille",
        ["Oncologie pédiatrique", "Mucoviscidose"]),
    ("Institut Beaurivage d'oncologie de l'enfant", "15 quai de la Loire",
        "44000", "Nantes",
        ["Oncologie pédiatrique", "Greffe de moelle"]),
    ]
# Per hospital: doctor, nurse, social worker, play specialist.
STAFF = [
    ["Dr Aline Berthaud", "Sabine Guérin", "Martine Roche", "Yanis Benali"],
    ["Dr Olivier Texier", "Fanny Leclerc", "Agnès Poirier", "Léo Carpentier"],
    ["Dr Inès Haddad", "Romain Giraud", "Nadia Colin", "Chloé Barbier"],
    ["Dr Paul Lemaire", "Céline Fabre", "Hélène Marchal", "Théo Renaud"],
    ]
ROLES = ['doctor', 'nurse', 'social_worker', 'play_specialist']

# Volunteers of the Dreams team: tutors first, then the pairs.
VOLUNTEERS = [
    "Claire Vasseur", "Margaux Chevalier", "Isabelle Noël", "Bertrand Aubry",
    "Anna Meyer", "Hugo Perrin", "Léa Gautier", "Karim Mansour",
    "Élodie Brunet", "Thomas Vidal",
    ]
VOLUNTEER_LOGIN = ('tutrice', "Claire Vasseur")

FIRST_NAMES = [
    "Noé", "Lina", "Adam", "Jade", "Malo", "Rose", "Sacha", "Louise", "Nino",
    "Alma", "Timéo", "Zoé", "Ilyes", "Mila", "Gabin", "Nour", "Eliott",
    "Capucine", "Naël", "Lou", "Marius", "Yasmine", "Basile", "Inaya", "Aaron",
    ]
LAST_NAMES = [
    "Lambert", "Moreau", "Garnier", "Faure", "Rolland", "Lacroix", "Aubert",
    "Picard", "Hamon", "Bailly", "Leroux", "Benoît", "Maillard", "Collet",
    "Prévost", "Carré", "Huet", "Perrot", "Charpentier", "Bouvier", "Jacquet",
    "Langlois", "Royer", "Tessier", "Besson",
    ]
PARENT_NAMES = [
    "Julie", "Sébastien", "Aurélie", "Nicolas", "Émilie", "Mathieu", "Sarah",
    "Julien", "Laetitia", "Vincent", "Amandine", "Guillaume", "Caroline",
    "Maxime", "Audrey", "Mehdi", "Pauline", "Jérôme", "Anaïs", "Florian",
    "Marion", "Cédric", "Élise", "Fabien", "Morgane",
    ]
PATHOLOGIES = [
    "Leucémie aiguë", "Tumeur cérébrale", "Neuroblastome",
    "Cardiopathie congénitale", "Insuffisance rénale chronique",
    "Mucoviscidose", "Maladie neuromusculaire", "Lymphome",
    ]
CONSTRAINTS = [
    "Éviter la foule (immunité basse).", "Fauteuil roulant, transport adapté.",
    "Pas d'exposition au soleil.", "Oxygène pendant les trajets.",
    "Sortie de quatre heures au plus.", None,
    ]

# category, description, plan
WISHES = [
    ('meet', "Rencontrer les pompiers de la caserne",
        "Journée à la caserne, tour en camion, goûter avec l'équipe."),
    ('go', "Voir la mer", "Deux jours en bord de mer avec la famille."),
    ('have', "Un vélo rouge", "Achat du vélo, remise en surprise à l'hôpital."),
    ('be', "Être pâtissière d'un jour",
        "Atelier dans une pâtisserie partenaire, tablier à son nom."),
    ('give', "Offrir un spectacle aux enfants du service",
        "Spectacle de magie dans la salle de jeux du service."),
    ('go', "Aller à Disneyland", "Séjour de deux jours, hôtel partenaire."),
    ('meet', "Rencontrer un footballeur", "Match et visite des vestiaires."),
    ('have', "Une console de jeux", "Console et jeux, remise à domicile."),
    ('be', "Être pilote d'avion", "Vol découverte avec un aéroclub."),
    ('go', "Voir les baleines", "Sortie en mer accompagnée."),
    ]
PARTNERS = [
    "Voyages Azur", "Boulangerie des Quatre Vents", "Parc Aventura",
    "Taxis Solidaires du Centre", "Hôtel Les Mouettes",
    ]

# The 40 dreams: (state, number). Closed dreams come first: they are the
# children's first dreams, the later ones are second dreams.
DISTRIBUTION = [
    ('closed', 9), ('refused', 3), ('cancelled', 3), ('referral', 3),
    ('eligible', 3), ('approved', 3), ('discovery', 3), ('design', 3),
    ('scheduled', 4), ('realised', 3), ('follow_up', 3),
    ]
ORDER = ['referral', 'eligible', 'approved', 'discovery', 'design',
    'scheduled', 'realised', 'follow_up', 'closed']
DATE_FIELDS = {
    'referral': 'referral_date', 'eligible': 'eligibility_date',
    'approved': 'medical_approval_date', 'discovery': 'discovery_date',
    'design': 'design_date', 'scheduled': 'scheduling_date',
    'realised': 'realisation_date', 'follow_up': 'follow_up_date',
    'closed': 'closing_date',
    }
# Days between a step and the next one.
GAPS = {
    'referral': 6, 'eligible': 10, 'approved': 12, 'discovery': 20,
    'design': 25, 'scheduled': 35, 'realised': 20, 'follow_up': 25,
    }


def png():
    "A tiny valid PNG (a 2x2 orange square) standing for a photo."
    def chunk(kind, data):
        body = kind + data
        return (struct.pack('>I', len(data)) + body
            + struct.pack('>I', zlib.crc32(body) & 0xffffffff))
    raw = b''.join(b'\x00' + b'\xff\x99\x33' * 2 for _ in range(2))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', 2, 2, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def _party(pool, name, address=None):
    Party = pool.get('party.party')
    parties = Party.search([('name', '=', name)], limit=1)
    if parties:
        return parties[0]
    values = {'name': name}
    if address:
        street, postal_code, city = address
        values['addresses'] = [('create', [{
                        'street': street, 'postal_code': postal_code,
                        'city': city}])]
    party, = Party.create([values])
    return party


def _volunteers(pool, company, today):
    "Dreams volunteers cleared to meet children (criminal record checked)."
    Volunteer = pool.get('connexion.volunteer')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    from connexion_asso.demo import DEMO_PASSWORD
    volunteers = []
    for name in VOLUNTEERS:
        party = _party(pool, name)
        found = Volunteer.search([('party', '=', party.id)])
        if found:
            volunteers.append(found[0])
            continue
        volunteer, = Volunteer.create([{'party': party.id}])
        Volunteer.onboard([volunteer])
        Volunteer.write([volunteer], {
                'criminal_record_date': today - dt.timedelta(days=800),
                'criminal_record_expiry': today + dt.timedelta(days=300),
                })
        volunteers.append(volunteer)
    Lang = pool.get('ir.lang')
    french, = Lang.search([('code', '=', 'fr')])
    login, name = VOLUNTEER_LOGIN
    if not User.search([('login', '=', login)]):
        user, = User.create([{
                    'language': french.id,
                    'login': login, 'name': name, 'password': DEMO_PASSWORD,
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [ModelData.get_id(
                                    'connexion_asso', 'group_volunteer')])],
                    }])
        Volunteer.write([volunteers[0]], {'user': user.id})
    return volunteers


def _hospitals(pool, today):
    Hospital = pool.get('connexion.hospital')
    Team = pool.get('connexion.team')
    User = pool.get('res.user')
    teams = Team.search([('code', '=', 'HOPITAUX')], limit=1)
    referents = User.search([('login', '=', 'hopitaux')], limit=1)
    hospitals = []
    for (name, street, postal_code, city, services), staff in zip(
            HOSPITALS, STAFF):
        party = _party(pool, name, (street, postal_code, city))
        found = Hospital.search([('party', '=', party.id)])
        if found:
            hospitals.append(found[0])
            continue
        hospital, = Hospital.create([{
                    'party': party.id,
                    'team': teams[0].id if teams else None,
                    'referent': referents[0].id if referents else None,
                    'agreement_start': dt.date(today.year - 3, 9, 1),
                    'agreement_end': dt.date(today.year + 2, 8, 31),
                    'services': [('create', [
                                {'name': s, 'location': f"Bâtiment {c}"}
                                for s, c in zip(services, "ABC")])],
                    'contacts': [('create', [{
                                    'party': _party(pool, person).id,
                                    'role': role,
                                    'email': (person.split()[-1].lower()
                                        + '@hopital.example'),
                                    } for person, role in zip(staff, ROLES)])],
                    }])
        hospitals.append(hospital)
    return hospitals


def _children(pool, hospitals, today):
    Child = pool.get('connexion.child')
    Party = pool.get('party.party')
    children = []
    for i, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES)):
        party = _party(pool, f"{first} {last}")
        found = Child.search([('party', '=', party.id)])
        if found:
            children.append(found[0])
            continue
        hospital = hospitals[i % len(hospitals)]
        doctor = [c for c in hospital.contacts if c.role == 'doctor'][0]
        parent = _party(pool, f"{PARENT_NAMES[i]} {last}")
        child, = Child.create([{
                    'party': party.id,
                    'birth_date': dt.date(
                        today.year - 4 - (i * 7) % 13, 1 + i % 12,
                        1 + (i * 3) % 28),
                    'hospital': hospital.id,
                    'service': hospital.services[i % len(
                            hospital.services)].id,
                    'guardians': [('create', [{
                                    'party': parent.id,
                                    'relationship': ('mother' if i % 2 == 0
                                        else 'father'),
                                    }])],
                    'pathology': PATHOLOGIES[i % len(PATHOLOGIES)],
                    'treating_doctor': doctor.id,
                    'medical_constraints': CONSTRAINTS[i % len(CONSTRAINTS)],
                    }])
        codes = ['data_processing', 'medical_data']
        if i % 5 != 4:
            codes.append('image_rights')
        for code in codes:
            Party.give_consent([parent], code, channel='paper',
                date=today - dt.timedelta(days=200),
                proof="Formulaire signé lors du premier rendez-vous")
        children.append(child)
    return children


def _dream_values(i, state, child, volunteers, partners, today, second):
    "The values of a dream that went through the steps up to state."
    hospital = child.hospital
    doctor = [c for c in hospital.contacts if c.role == 'doctor'][0]
    social = [c for c in hospital.contacts if c.role == 'social_worker'][0]
    reached = state
    if state in {'refused', 'cancelled'}:
        reached = ['referral', 'eligible', 'approved', 'discovery'][i % 4]
    steps = ORDER[:ORDER.index(reached) + 1]
    # Go back in time from the last step so that it happened recently.
    gaps = {s: g + (i * (k + 2)) % 9 for k, (s, g) in enumerate(GAPS.items())}
    total = sum(gaps[s] for s in steps[:-1])
    recent = (i * 5) % 20 + (200 if state == 'closed' else 0)
    date = today - dt.timedelta(days=total + recent)
    values = {
        'child': child.id,
        'hospital': hospital.id,
        'urgent': i % 7 == 3,
        'referred_by': ['hospital', 'family', 'hospital', 'child'][i % 4],
        'referrer': social.party.id,
        'serious_illness': True,
        }
    if second:
        values['second_dream'] = True
        values['second_dream_reason'] = (
            "Rechute après le premier rêve : nouvelle demande de l'équipe "
            "soignante, accord du bureau.")
    last = date
    for step in steps:
        values[DATE_FIELDS[step]] = date
        last = date
        date += dt.timedelta(days=gaps.get(step, 0))
    if 'approved' in steps:
        values['medical_doctor'] = doctor.id
    if 'discovery' in steps:
        tutor = volunteers[i % 4]
        values['tutor'] = tutor.id
        values['volunteers'] = [('add', [
                    volunteers[4 + i % 6].id,
                    volunteers[4 + (i + 1) % 6].id])]
        values['wishes'] = [('create', [{
                        'rank': rank,
                        'category': WISHES[(i + rank) % len(WISHES)][0],
                        'description': WISHES[(i + rank) % len(WISHES)][1],
                        } for rank in [1, 2, 3]])]
    if 'design' in steps:
        values['plan'] = WISHES[(i + 1) % len(WISHES)][2]
        values['itinerary'] = "Départ de l'hôpital en taxi adapté, retour le soir."
        values['budget'] = Decimal(300 + (i * 97) % 1200)
    if 'scheduled' in steps:
        if 'realised' in steps:
            values['dream_date'] = values['realisation_date']
        else:
            values['dream_date'] = today + dt.timedelta(days=10 + i % 40)
    if 'realised' in steps:
        values['costs'] = [('create', [
                    {'date': values['realisation_date'],
                        'description': "Transport adapté",
                        'amount': Decimal(80 + (i * 13) % 150)},
                    {'date': values['realisation_date'],
                        'description': "Cadeau souvenir",
                        'amount': Decimal(25 + (i * 7) % 60)},
                    ])]
        values['contributions'] = [('create', [{
                        'party': partners[i % len(partners)].id,
                        'description': "Prestation offerte par le partenaire",
                        'amount': Decimal(100 + (i * 31) % 400)}])]
    if 'follow_up' in steps:
        values['feedback'] = (
            "La famille remercie les bénévoles ; l'enfant en parle encore.")
    if state in {'refused', 'cancelled'}:
        values['reason'] = {
            'refused': "L'équipe soignante ne confirme pas l'éligibilité.",
            'cancelled': "L'état de santé de l'enfant ne permet plus le "
            "rêve ; la famille est accompagnée autrement.",
            }[state]
    values['state'] = state
    values['last_news_date'] = last
    return values, reached, last


def _dreams(pool, children, volunteers, today):
    Dream = pool.get('connexion.dream')
    Activity = pool.get('connexion.dream.activity')
    Photo = pool.get('connexion.dream.photo')
    partners = [_party(pool, p) for p in PARTNERS]
    plan = [s for s, n in DISTRIBUTION for _ in range(n)]
    done = {d.child.id for d in Dream.search([
                ('child', 'in', [c.id for c in children])])}
    created = []
    for i, state in enumerate(plan):
        n = len(children)
        child = children[i % n]
        if child.id in done:
            continue
        # The children of the first (closed) dreams get a second dream,
        # with the reason of the exception.
        second = i >= n and plan[i - n] not in {'refused', 'cancelled'}
        values, reached, last = _dream_values(
            i, state, child, volunteers, partners, today, second)
        dream, = Dream.create([values])
        if ORDER.index(reached) >= ORDER.index('design'):
            Dream.write([dream], {'chosen_wish': dream.wishes[0].id})
        if state in {'design', 'scheduled', 'realised', 'follow_up',
                'closed'}:
            Dream.create_analytic_accounts([dream])
        if state not in {'closed', 'refused', 'cancelled', 'referral'}:
            Activity.create([Activity.step_values(dream, state, last)])
        if (state in {'follow_up', 'closed'}
                and child.has_consent('image_rights')):
            Photo.create([{
                        'dream': dream.id, 'image': png(),
                        'name': 'souvenir.png',
                        'caption': "Le grand jour"}])
        created.append(dream)
    return created


def _visits(pool, hospitals, volunteers, today):
    Schedule = pool.get('connexion.hospital.visit.schedule')
    Visit = pool.get('connexion.hospital.visit')
    created = 0
    for n, hospital in enumerate(hospitals):
        if Schedule.search([('hospital', '=', hospital.id)]):
            continue
        pair = [volunteers[4 + (2 * n) % 6], volunteers[4 + (2 * n + 1) % 6]]
        schedule, = Schedule.create([{
                    'hospital': hospital.id,
                    'service': hospital.services[0].id,
                    'weekday': str([2, 3, 5, 1][n]),
                    'start_time': dt.time(14, 30),
                    'duration': dt.timedelta(hours=2),
                    'frequency': 'weekly' if n % 2 == 0 else 'fortnightly',
                    'start_date': today - dt.timedelta(weeks=8),
                    'volunteers': [('add', [v.id for v in pair])],
                    }])
        # The past visits took place, with attendance and a report.
        past = []
        for k, date in enumerate(schedule.dates(today - dt.timedelta(days=1))):
            start = dt.datetime.combine(date, schedule.start_time)
            past.append({
                    'schedule': schedule.id,
                    'hospital': hospital.id,
                    'service': schedule.service.id,
                    'start': start,
                    'end': start + schedule.duration,
                    'volunteers': [('add', [v.id for v in pair])],
                    'attendees': [('add', [
                                v.id for v in pair[:1 + (k % 2)]])],
                    'children_met': 3 + (k * 2) % 6,
                    'report': ("Jeux de société et dessins dans la salle "
                        "de jeux ; les parents ont apprécié la pause."),
                    'state': 'done',
                    })
        created += len(Visit.create(past))
        created += len(Schedule.plan_visits([schedule], weeks=6))
    return created


def load(pool):
    from connexion_asso.demo import ensure_company, set_dashboard
    today = pool.get('ir.date').today()
    company = ensure_company(pool)
    set_dashboard(pool, 'REVES', 'connexion_dreams.act_dream_board')
    set_dashboard(pool, 'HOPITAUX', 'connexion_dreams.act_hospital_board')
    with Transaction().set_context(company=company.id):
        volunteers = _volunteers(pool, company, today)
        hospitals = _hospitals(pool, today)
        children = _children(pool, hospitals, today)
        dreams = _dreams(pool, children, volunteers, today)
        visits = _visits(pool, hospitals, volunteers, today)
    return (f"{len(hospitals)} hôpitaux, {len(children)} enfants, "
        f"{len(dreams)} rêves créés, {visits} visites créées")


def login_sections():
    "Demo logins printed by scripts/demo."
    from connexion_asso.demo import DEMO_PASSWORD
    login, name = VOLUNTEER_LOGIN
    return [("Bénévole de l'équipe Rêves (ne voit que ses rêves)", [
                (login, DEMO_PASSWORD, f"{name}, tutrice rêves")])]
