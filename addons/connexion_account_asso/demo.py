"""Fictional demo data: the association's chart of accounts (the French
chart with the associative accounts) and its fiscal years; the company
party carries the association's SIREN (the FEC's name). Idempotent."""
import datetime as dt

from trytond.transaction import Transaction

YEARS = 3      # fiscal years from 1 January two years ago until this year


def ensure_chart(pool, company):
    """The chart of account_fr's template, completed by this module's
    templates, through Tryton's create-chart wizard."""
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
    from .fec import set_company_siren
    company = ensure_company(pool)
    association = pool.get('connexion.association').get_singleton()
    if association and association.siren:
        set_company_siren(company, association.siren)
    today = pool.get('ir.date').today()
    with Transaction().set_context(
            company=company.id, companies=[company.id]):
        ensure_chart(pool, company)
        for year in range(today.year - YEARS + 1, today.year + 1):
            ensure_fiscalyear(pool, company, year)
    Account = pool.get('account.account')
    count = Account.search_count([('company', '=', company.id)])
    return f"plan comptable associatif ({count} comptes), {YEARS} exercices"
