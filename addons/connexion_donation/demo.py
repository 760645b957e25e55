"""Fictional demo data: donors, a year of posted gifts, receipts issued.

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
DONORS = 120
DONATIONS = 400


def ensure_chart(pool, company):
    "The French chart of account_fr, then the association accounts."
    from .chart import create_association_accounts
    Account = pool.get('account.account')
    AccountTemplate = pool.get('account.account.template')
    ModelData = pool.get('ir.model.data')
    CreateChart = pool.get('account.create_chart', type='wizard')
    if not Account.search([('company', '=', company.id)], limit=1):
        session_id, _, _ = CreateChart.create()
        wizard = CreateChart(session_id)
        wizard.account.company = company
        wizard.account.account_template = AccountTemplate(
            ModelData.get_id('account_fr', 'root'))
        wizard.transition_create_account()
        wizard.properties.company = company
        wizard.properties.account_receivable, = Account.search([
                ('company', '=', company.id), ('code', '=', '4111')])
        wizard.properties.account_payable, = Account.search([
                ('company', '=', company.id), ('code', '=', '4011')])
        wizard.transition_create_properties()
        CreateChart.delete(session_id)
    create_association_accounts(company)


def ensure_fiscalyear(pool, company, year):
    FiscalYear = pool.get('account.fiscalyear')
    Sequence = pool.get('ir.sequence.strict')
    ModelData = pool.get('ir.model.data')
    date = dt.date(year, 6, 1)
    if FiscalYear.search([('company', '=', company.id),
                ('start_date', '<=', date), ('end_date', '>=', date)]):
        return
    sequence, = Sequence.create([{
                'name': f"Écritures {year}",
                'sequence_type': ModelData.get_id(
                    'account', 'sequence_type_account_move'),
                'company': company.id,
                }])
    fiscalyear, = FiscalYear.create([{
                'name': str(year),
                'start_date': dt.date(year, 1, 1),
                'end_date': dt.date(year, 12, 31),
                'company': company.id,
                'move_sequence': sequence.id,
                }])
    FiscalYear.create_period([fiscalyear])


def load(pool):
    from connexion_asso.demo import ensure_company
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    Campaign = pool.get('connexion.donation.campaign')
    Fund = pool.get('connexion.donation.fund')
    Receipt = pool.get('connexion.donation.receipt')
    Generate = pool.get('connexion.donation.receipt.generate', type='wizard')

    company = ensure_company(pool)
    today = dt.date.today()
    last_year = today.year - 1
    with Transaction().set_context(
            company=company.id, companies=[company.id]):
        ensure_chart(pool, company)
        for year in (last_year, today.year):
            ensure_fiscalyear(pool, company, year)
        if Donation.search([('company', '=', company.id)], limit=1):
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
                    'receipt_preference': rng.choice(
                        ['annual'] * 6 + ['gift'] * 3 + ['none']),
                    'addresses': [('create', [{
                                    'street': (f"{rng.randint(1, 120)} "
                                        f"{rng.choice(STREETS)}"),
                                    'postal_code': postal_code,
                                    'city': city}])],
                    })
        for name in COMPANIES:
            postal_code, city = rng.choice(CITIES)
            donors.append({
                    'name': name,
                    'donor_type': 'company',
                    'receipt_preference': 'annual',
                    'addresses': [('create', [{
                                    'street': (f"{rng.randint(1, 120)} "
                                        f"{rng.choice(STREETS)}"),
                                    'postal_code': postal_code,
                                    'city': city}])],
                    })
        donors = Party.create(donors)

        start = dt.date(last_year, 1, 1)
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
                'campaign': (campaigns[0].id if date.month == 12
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
        donations = Donation.create(values)
        Donation.validate_donation(donations)

        annual, per_gift = Generate.groups(last_year)
        issue_date = min(today, dt.date(today.year, 1, 20))
        receipts = Receipt.issue(annual, kind='annual', date=issue_date)
        receipts += Receipt.issue(per_gift, kind='gift', date=issue_date)
    return (f"{len(donors)} donateurs, {len(donations)} dons comptabilisés, "
        f"{len(receipts)} reçus fiscaux {last_year}")
