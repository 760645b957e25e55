"""Fictional demo data: the association, its teams and users.

Every name here is invented. ``load`` is idempotent: records are looked up
by a natural key before being created.
"""

DEMO_PASSWORD = 'connexion-demo'

ASSOCIATION = {
    'name': "Association Mille Étoiles",
    'legal_form': 'loi1901',
    'rna': 'W751000001',
    'siren': '823456785',
    'street': "12 rue des Lilas",
    'postal_code': '75011',
    'city': "Paris",
    'email': "contact@mille-etoiles.example",
    'phone': "+33 1 23 45 67 89",
    'website': "https://mille-etoiles.example",
    'purpose': (
        "Réaliser les rêves d'enfants et d'adolescents gravement malades, "
        "et soutenir leurs familles pendant la maladie."),
    'general_interest': True,
    'signatory_name': "Hélène Dubreuil",
    'signatory_function': "Présidente",
    }

# login, name, team code, function
USERS = [
    ('reves', "Camille Roussel", 'REVES', 'referent'),
    ('reves2', "Lucas Fontaine", 'REVES', 'member'),
    ('hopitaux', "Julien Marchand", 'HOPITAUX', 'referent'),
    ('collecte', "Sophie Lefèvre", 'COLLECTE', 'referent'),
    ('finances', "Nathalie Girard", 'ADMIN', 'referent'),
    ('presidente', "Hélène Dubreuil", 'ADMIN', 'sponsor'),
    ]

TEAMS = [
    ('REVES', "Rêves", 'group_team_dreams',
        "Accompagne chaque enfant de la découverte de son rêve à sa "
        "réalisation, avec les tutrices et tuteurs rêves."),
    ('HOPITAUX', "Hôpitaux", 'group_team_hospitals',
        "Relations avec les services hospitaliers et visites des bénévoles."),
    ('COLLECTE', "Com/Partenariats/Collecte", 'group_team_fundraising',
        "Communication, entreprises partenaires et collecte de dons."),
    ('ADMIN', "Admin/Finances/Juridique", 'group_team_admin',
        "Comptabilité, reçus fiscaux, conformité juridique et RGPD."),
    ]


def ensure_company(pool):
    "The association is the Tryton company (accounting, analytic accounts)."
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Currency = pool.get('currency.currency')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    companies = Company.search([], limit=1)
    if companies:
        company, = companies
    else:
        euro = Currency.search([('code', '=', 'EUR')])
        if euro:
            euro, = euro
        else:
            euro, = Currency.create([{
                        'name': "Euro", 'code': 'EUR', 'symbol': '€',
                        'numeric_code': '978'}])
        party, = Party.create([{
                    'name': ASSOCIATION['name'],
                    'addresses': [('create', [{
                                    'street': ASSOCIATION['street'],
                                    'postal_code': ASSOCIATION['postal_code'],
                                    'city': ASSOCIATION['city'],
                                    }])],
                    }])
        company, = Company.create([{
                    'party': party.id, 'currency': euro.id,
                    'timezone': 'Europe/Paris'}])
    admin = User(ModelData.get_id('res', 'user_admin'))
    if company not in admin.companies:
        User.write([admin], {
                'companies': [('add', [company.id])], 'company': company.id})
    return company


def load(pool):
    Association = pool.get('connexion.association')
    Team = pool.get('connexion.team')
    Member = pool.get('connexion.team.member')
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    ModelData = pool.get('ir.model.data')

    if not Association.get_singleton():
        Association.create([ASSOCIATION])

    french, = Lang.search([('code', '=', 'fr')])
    admin = User(ModelData.get_id('res', 'user_admin'))
    if admin.language != french:
        User.write([admin], {'language': french.id})

    company = ensure_company(pool)

    teams = {}
    for code, name, group, description in TEAMS:
        team = Team.search([('code', '=', code)])
        if not team:
            team = Team.create([{
                        'code': code, 'name': name, 'description': description,
                        'group': ModelData.get_id('connexion_asso', group),
                        }])
        teams[code], = team

    created = 0
    for login, name, code, function in USERS:
        if User.search([('login', '=', login)]):
            continue
        user, = User.create([{
                    'login': login, 'name': name, 'language': french.id,
                    'password': DEMO_PASSWORD,
                    'email': f'{login}@mille-etoiles.example',
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    }])
        Member.create([{
                    'team': teams[code].id, 'user': user.id,
                    'function': function}])
        created += 1
    # The administrator's first login opens a dashboard (connexion_donation's
    # demo), not Tryton's module configuration dialogs: the demo configured
    # what they ask.
    ConfigItem = pool.get('ir.module.config_wizard.item')
    ConfigItem.write(ConfigItem.search([('state', '=', 'open')]),
        {'state': 'done'})
    return f"{len(teams)} équipes, {created} utilisateurs créés"


def set_dashboard(pool, code, action):
    "The dashboard the team's members open at login, unless one is set."
    Team = pool.get('connexion.team')
    teams = Team.search([('code', '=', code), ('dashboard', '=', None)])
    if teams:
        Team.write(teams, {'dashboard': action_id(pool, action)})


def action_id(pool, xml_id):
    "The ir.action of the window action of XML id 'module.id'."
    ModelData = pool.get('ir.model.data')
    ActWindow = pool.get('ir.action.act_window')
    return ActWindow(ModelData.get_id(*xml_id.split('.'))).action.id


def login_sections():
    "Demo logins printed by scripts/demo: [(title, [(login, password, who)])]."
    teams = {code: name for code, name, _, _ in TEAMS}
    return [("Équipes (client web)", [
                (login, DEMO_PASSWORD, f"{name}, {teams[code]}")
                for login, name, code, _ in USERS])]
