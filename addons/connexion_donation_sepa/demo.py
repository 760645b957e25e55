"""Fictional demo data: 30 donors giving every month, quarter or year by
SEPA direct debit, with the debits of the last three months.

Every name here is invented. ``load`` is idempotent: the mandates' RUM are
the natural keys.
"""
import datetime as dt
import random
from decimal import Decimal

from trytond.transaction import Transaction

from connexion_donation.demo import (
    CITIES, FIRST_NAMES, LAST_NAMES, STREETS, give_accounting)

SEPA_PLANS = 30
BANK_CODE, BRANCH_CODE = '99999', '00001'   # no such bank: fictional


def fictional_iban(index):
    "A French IBAN valid by checksum (RIB key and IBAN key) in a fake bank."
    from stdnum import iban
    account = f'{index:011d}'
    key = 97 - (89 * int(BANK_CODE) + 15 * int(BRANCH_CODE)
        + 3 * int(account)) % 97
    bban = f'{BANK_CODE}{BRANCH_CODE}{account}{key:02d}'
    return 'FR' + iban.calc_check_digits('FR00' + bban) + bban


def ensure_sepa(pool, company):
    """The association's creditor identifier (ICS), bank account and SEPA
    direct debit journal, set in the donation configuration."""
    from stdnum.eu import at_02
    Party = pool.get('party.party')
    Identifier = pool.get('party.identifier')
    Bank = pool.get('bank')
    BankAccount = pool.get('bank.account')
    Journal = pool.get('account.payment.journal')
    Config = pool.get('connexion.donation.configuration')
    if not any(i.type == 'eu_at_02' for i in company.party.identifiers):
        code = 'FR00ZZZ987654'
        code = code[:2] + at_02.calc_check_digits(code) + code[4:]
        Identifier.create([{'party': company.party.id, 'type': 'eu_at_02',
                    'code': code}])
    banks = Bank.search([('bic', '=', 'FICTFRPPXXX')], limit=1)
    if banks:
        bank, = banks
    else:
        party, = Party.create([{'name': "Banque Fictive des Associations"}])
        bank, = Bank.create([{'party': party.id, 'bic': 'FICTFRPPXXX'}])
    journals = Journal.search([('process_method', '=', 'sepa')], limit=1)
    if journals:
        journal, = journals
    else:
        account, = BankAccount.create([{
                    'bank': bank.id,
                    'owners': [('add', [company.party.id])],
                    'currency': company.currency.id,
                    'numbers': [('create', [{
                                    'type': 'iban',
                                    'number': fictional_iban(1)}])],
                    }])
        journal, = Journal.create([{
                    'name': "Prélèvements SEPA",
                    'company': company.id,
                    'currency': company.currency.id,
                    'process_method': 'sepa',
                    'sepa_bank_account_number': account.numbers[0].id,
                    'sepa_receivable_flavor': 'pain.008.001.02',
                    'sepa_payable_flavor': 'pain.001.001.03',
                    }])
    config = Config(1)
    if not config.sepa_journal:
        config.sepa_journal = journal
        config.save()
    return bank, journal


def load_recurring(pool, company):
    """30 donors giving by SEPA direct debit under a signed mandate, the
    debits of the last three months (the oldest ones succeeded).
    Idempotent: the mandates' RUM are the natural keys."""
    Party = pool.get('party.party')
    BankAccount = pool.get('bank.account')
    Mandate = pool.get('account.payment.sepa.mandate')
    Plan = pool.get('connexion.donation.plan')
    Payment = pool.get('account.payment')
    Date = pool.get('ir.date')
    today = Date.today()
    bank, journal = ensure_sepa(pool, company)
    pool.get('connexion.donation.configuration').fill_defaults()
    if Mandate.search([('identification', '=', 'RUM-DEMO-0001')], limit=1):
        return None
    rng = random.Random(2026)
    names = set()
    while len(names) < SEPA_PLANS:
        names.add((rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
    plans = []
    for i, (first, last) in enumerate(sorted(names), 1):
        postal_code, city = rng.choice(CITIES)
        email = (f"{first}.{last}".lower().replace(' ', '')
            .translate(str.maketrans('éèëêïîçôâ', 'eeeeiicoa'))
            + '@exemple.test')
        party, = Party.create([{
                    'name': f"{first} {last}",
                    'donor_type': 'individual',
                    'addresses': [('create', [{
                                    'street': (f"{rng.randint(1, 120)} "
                                        f"{rng.choice(STREETS)}"),
                                    'postal_code': postal_code,
                                    'city': city}])],
                    'contact_mechanisms': [('create', [{
                                    'type': 'email', 'value': email}])],
                    }])
        account, = BankAccount.create([{
                    'bank': bank.id,
                    'owners': [('add', [party.id])],
                    'currency': company.currency.id,
                    'numbers': [('create', [{
                                    'type': 'iban',
                                    'number': fictional_iban(1000 + i)}])],
                    }])
        start = today.replace(day=1) - dt.timedelta(
            days=rng.choice([60, 95, 200, 400]))
        mandate, = Mandate.create([{
                    'company': company.id,
                    'party': party.id,
                    'address': party.addresses[0].id,
                    'account_number': account.numbers[0].id,
                    'identification': f'RUM-DEMO-{i:04d}',
                    'type': 'recurrent',
                    'signature_date': start,
                    'state': 'validated',
                    }])
        periodicity = rng.choice(['monthly'] * 6 + ['quarterly', 'yearly'])
        amount = Decimal(rng.choice([10, 15, 20, 25, 30, 50]))
        if periodicity != 'monthly':
            amount *= {'quarterly': 3, 'yearly': 12}[periodicity]
        plans.append(Plan(company=company, party=party, amount=amount,
                currency=company.currency, periodicity=periodicity,
                start_date=start.replace(day=1), mandate=mandate))
    Plan.save(plans)
    Plan.start(plans)
    # The debits of the last three months, as the monthly generation made
    # them; the two oldest went through, one debit of the last was returned.
    config = pool.get('connexion.donation.configuration')(1)
    day = config.collection_day or 5
    dates = []
    month = today.replace(day=1)
    for _ in range(3):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        dates.insert(0, month.replace(day=day))
    groups = [Plan.generate(date) for date in dates]
    for group in groups[:-1]:
        if group:
            Payment.succeed(list(group.payments))
    if groups[-1] and groups[-1].payments:
        Payment.fail([groups[-1].payments[0]])

    # Set last, so that the returned debit above e-mails nobody.
    config.staff_email = 'collecte@exemple.test'
    config.save()
    return groups


def load(pool):
    from connexion_asso.demo import ensure_company
    Plan = pool.get('connexion.donation.plan')
    company = ensure_company(pool)
    # The finance team sends the debit files and records the returns.
    give_accounting(pool, [('account_payment', 'group_payment')])
    with Transaction().set_context(
            company=company.id, companies=[company.id]):
        groups = load_recurring(pool, company)
        if groups is None:
            return "déjà chargé"
        debits = sum(len(g.payments) for g in groups if g)
        return (f"{Plan.search([], count=True)} dons réguliers par "
            f"prélèvement SEPA, {debits} prélèvements sur 3 mois")
