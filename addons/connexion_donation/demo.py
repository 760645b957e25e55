"""Fictional demo data: donors and three years of posted gifts (their
receipts are issued by connexion_tax_receipt's demo).

Every name here is invented (random combinations of common French first
names and surnames). ``load`` is idempotent: nothing is created when the
company already has donations.
"""
import datetime as dt
import random
from decimal import Decimal

from trytond.transaction import Transaction

FIRST_NAMES = [
    "Anne", "Bernard", "Céline", "Denis", "Élodie", "François", "Gisèle",
    "Hugo", "Inès", "Jacques", "Karine", "Laurent", "Mathilde", "Nicolas",
    "Odette", "Pascal", "Roseline", "Sylvain", "Thérèse", "Yves", "Zoé",
    "Agathe", "Basile", "Clémence", "Damien", "Estelle", "Fabien", "Gaëlle"]
LAST_NAMES = [
    "Aubert", "Barbier", "Carpentier", "Delorme", "Espinasse", "Fabre",
    "Guérin", "Hervé", "Jacquet", "Lacroix", "Maillard", "Noël", "Olivier",
    "Perrin", "Rivière", "Sauvage", "Tessier", "Vasseur", "Weber", "Brunet",
    "Charpentier", "Dumas", "Lemaire", "Marchal", "Poulain", "Renaud"]
STREETS = [
    "rue des Acacias", "avenue du Parc", "chemin des Vignes",
    "rue de la Fontaine", "place du Marché", "allée des Cerisiers",
    "boulevard Victor-Hugo", "impasse des Lavandes", "rue du Moulin"]
CITIES = [
    ('75012', "Paris"), ('69007', "Lyon"), ('13006', "Marseille"),
    ('31000', "Toulouse"), ('33000', "Bordeaux"), ('59000', "Lille"),
    ('44000', "Nantes"), ('67000', "Strasbourg"), ('35000', "Rennes"),
    ('21000', "Dijon"), ('63000', "Clermont-Ferrand"), ('37000', "Tours")]
COMPANIES = [
    "Menuiserie Delorme et Fils", "Imprimerie du Vieux Port",
    "Transports Rivière", "Pharmacie des Tilleuls", "Garage du Centre",
    "Cabinet d'architectes Ligne Claire", "Fromagerie des Alpages",
    "Librairie La Page Blanche"]
DONORS = 492   # and the 8 companies: 500 donors
DONATIONS = 2000
YEARS = 3      # gifts from 1 January two years ago until today


def fictional_siren(index):
    "A fictional SIREN (demo data), valid by its Luhn key."
    from stdnum import luhn
    base = f'99{index:06d}'
    return base + luhn.calc_check_digit(base)


def set_association_board(pool):
    """The administration team and the administrator open the association's
    dashboard at login (with the dreams module, which it shows)."""
    from connexion_asso.demo import action_id, set_dashboard
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    if not ModelData.search([('module', '=', 'connexion_donation'),
                ('fs_id', '=', 'act_association_board')]):
        return
    set_dashboard(pool, 'ADMIN', 'connexion_donation.act_association_board')
    admin = User(ModelData.get_id('res', 'user_admin'))
    board = action_id(pool, 'connexion_donation.act_association_board')
    if board not in {a.id for a in admin.actions}:
        User.write([admin], {'actions': [('add', [board])]})


def give_accounting(pool, groups=(('account', 'group_account'),)):
    """The finance team keeps the books: its role carries Tryton's
    accounting groups (the accounting menus come with them)."""
    ModelData = pool.get('ir.model.data')
    Team = pool.get('connexion.team')
    Role = pool.get('res.role')
    groups = [ModelData.get_id(*g) for g in groups]
    for team in Team.search([('code', '=', 'ADMIN'), ('role', '!=', None)]):
        missing = set(groups) - {g.id for g in team.role.groups}
        if missing:
            Role.write([team.role], {'groups': [('add', sorted(missing))]})


def load(pool):
    from connexion_account_asso.demo import ensure_chart, ensure_fiscalyear
    from connexion_asso.demo import ensure_company, set_dashboard
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    Config = pool.get('connexion.donation.configuration')
    Campaign = pool.get('connexion.donation.campaign')
    Fund = pool.get('connexion.donation.fund')

    company = ensure_company(pool)
    set_dashboard(pool, 'COLLECTE', 'connexion_donation.act_fundraising_board')
    set_association_board(pool)
    give_accounting(pool)
    today = pool.get('ir.date').today()
    last_year = today.year - 1
    with Transaction().set_context(
            company=company.id, companies=[company.id]):
        ensure_chart(pool, company)
        for year in range(today.year - YEARS + 1, today.year + 1):
            ensure_fiscalyear(pool, company, year)
        Config.fill_defaults()
        # Natural key: the campaign created below (other modules' demos may
        # have recorded gifts already, e.g. waived volunteer expenses).
        if Campaign.search([('code', '=', 'NOEL')], limit=1):
            return "déjà chargé"

        rng = random.Random(2025)
        campaigns = Campaign.create([
                {'name': f"Noël des rêves {last_year}", 'code': 'NOEL',
                    'start_date': dt.date(last_year, 11, 15),
                    'end_date': dt.date(last_year, 12, 31)},
                {'name': f"Course solidaire {last_year}", 'code': 'COURSE',
                    'start_date': dt.date(last_year, 5, 1),
                    'end_date': dt.date(last_year, 6, 30)},
                ])
        funds = Fund.create([
                {'name': "Rêve de Lina : voir les baleines", 'code': 'LINA'},
                {'name': "Séjours des familles", 'code': 'FAMILLES'},
                ])
        donors = []
        names = set()
        while len(names) < DONORS:
            names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        for i, name in enumerate(sorted(names)):
            postal_code, city = rng.choice(CITIES)
            donors.append({
                    'name': name,
                    'donor_type': 'individual',
                    'addresses': [('create', [{
                                    'street': (f"{rng.randint(1, 120)} "
                                        f"{rng.choice(STREETS)}"),
                                    'postal_code': postal_code,
                                    'city': city}])],
                    })
        for i, name in enumerate(COMPANIES):
            postal_code, city = rng.choice(CITIES)
            donors.append({
                    'name': name,
                    'donor_type': 'company',
                    'identifiers': [('create', [{
                                    'type': 'fr_siren',
                                    'code': fictional_siren(i)}])],
                    'addresses': [('create', [{
                                    'street': (f"{rng.randint(1, 120)} "
                                        f"{rng.choice(STREETS)}"),
                                    'postal_code': postal_code,
                                    'city': city}])],
                    })
        donors = Party.create(donors)

        start = dt.date(today.year - YEARS + 1, 1, 1)
        span = (today - start).days
        values = []
        for i in range(DONATIONS):
            party = rng.choice(donors)
            date = start + dt.timedelta(days=rng.randrange(span))
            nature = rng.choice(['cash'] * 30 + ['in_kind', 'expense_waiver'])
            method = rng.choice(
                ['check'] * 4 + ['transfer'] * 3 + ['card'] * 2 + ['cash'])
            if party.donor_type == 'company':
                amount = Decimal(rng.choice([300, 500, 1000, 1500, 2500]))
            else:
                amount = Decimal(rng.choice(
                        [10, 15, 20, 30, 50, 50, 80, 100, 150, 200, 500]))
            value = {
                'company': company.id,
                'party': party.id,
                'donor_type': party.donor_type,
                'date': date,
                'amount': amount,
                'currency': company.currency.id,
                'nature': nature,
                'campaign': (None if date.year != last_year
                    else campaigns[0].id if date.month == 12
                    else campaigns[1].id if date.month in (5, 6) else None),
                'fund': rng.choice([None] * 8 + [f.id for f in funds]),
                }
            if nature == 'cash':
                value['payment_method'] = method
                if method == 'check':
                    value['check_number'] = f"{rng.randrange(10 ** 7):07d}"
                    value['check_bank'] = rng.choice(
                        ["Banque Postale", "Crédit Coopératif", "Caisse "
                            "d'Épargne", "Crédit Mutuel"])
            elif nature == 'in_kind':
                value['in_kind_description'] = rng.choice([
                        "Jouets neufs (valeur facturée)",
                        "Livres pour enfants (prix public)",
                        "Ordinateur portable reconditionné (devis)"])
            if rng.random() < 0.03:
                value['tribute_type'] = 'memory'
                value['tribute_name'] = rng.choice(list(names))
            values.append(value)
        values.sort(key=lambda v: v['date'])
        donations = Donation.create(values)
        # Posted in one call: the moves are saved and posted in bulk.
        Donation.validate_donation(donations)
    return (f"{len(donors)} donateurs, {len(donations)} dons comptabilisés "
        f"sur {YEARS} ans")
