"""Accounts of the plan comptable associatif (ANC 2018-06) that the French
chart of account_fr lacks, added on a company that uses it."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

# code, name, parent code, code of an account_fr account whose type is used.
ACCOUNTS = [
    ('194', "Fonds dédiés sur ressources liées à la générosité du public",
        '15', '151'),
    ('195', "Fonds dédiés sur subventions", '15', '151'),
    ('4681', "Frais des bénévoles", '468', '4686'),
    ('689', "Reports en fonds dédiés", '68', '6815'),
    ('6894', "Reports en fonds dédiés sur ressources liées à la générosité "
        "du public", '689', '6815'),
    ('6895', "Reports en fonds dédiés sur subventions", '689', '6815'),
    ('741', "Subventions de l'État", '74', '74'),
    ('742', "Subventions des régions", '74', '74'),
    ('743', "Subventions des départements", '74', '74'),
    ('744', "Subventions des communes et groupements", '74', '74'),
    ('748', "Autres subventions d'exploitation", '74', '74'),
    ('7541', "Dons manuels", '754', '754'),
    ('75411', "Dons manuels", '7541', '754'),
    ('75412', "Abandons de frais par les bénévoles", '7541', '754'),
    ('75413', "Abandons de revenus et produits", '7541', '754'),
    ('7542', "Mécénat", '754', '754'),
    ('7543', "Legs, donations et assurances-vie", '754', '754'),
    ('756', "Cotisations", '75', '754'),
    ('7561', "Cotisations sans contrepartie", '756', '754'),
    ('7562', "Cotisations avec contrepartie", '756', '754'),
    ('789', "Utilisations des fonds dédiés", '78', '7815'),
    ('7894', "Utilisations des fonds dédiés sur ressources liées à la "
        "générosité du public", '789', '7815'),
    ('7895', "Utilisations des fonds dédiés sur subventions", '789', '7815'),
    ('86', "Emplois des contributions volontaires en nature", '6', '658'),
    ('860', "Secours en nature", '86', '658'),
    ('861', "Mise à disposition gratuite de biens", '86', '658'),
    ('862', "Prestations en nature", '86', '658'),
    ('864', "Personnel bénévole", '86', '658'),
    ('87', "Contributions volontaires en nature", '7', '758'),
    ('870', "Dons en nature", '87', '758'),
    ('871', "Prestations en nature", '87', '758'),
    ('875', "Bénévolat", '87', '758'),
    ]
# Accounts that only group others (no move on them).
VIEWS = {'689', '7541', '756', '789', '86', '87'}
RENAME = {
    '754': "Ressources liées à la générosité du public",
    }
# Configuration field → account code, set when empty.
DEFAULTS = {
    'account_cash': '5311',
    'account_check': '5112',
    'account_bank': '5121',
    'account_gift': '75411',
    'account_patronage': '7542',
    'account_expense_waiver': '75412',
    'account_income_waiver': '75413',
    'account_volunteer_expense': '4681',
    'account_expense_charge': '6251',
    'account_in_kind': '870',
    'account_in_kind_use': '860',
    }


def create_association_accounts(company):
    """Create the missing accounts (idempotent) and fill the empty settings;
    returns the number of accounts created."""
    pool = Pool()
    Account = pool.get('account.account')
    Config = pool.get('connexion.donation.configuration')
    Journal = pool.get('account.journal')

    def lookup():
        return {a.code: a for a in Account.search([
                    ('company', '=', company.id),
                    ('code', '!=', None),
                    ])}
    accounts = lookup()
    if '7' not in accounts or '754' not in accounts:
        raise ValidationError(gettext(
                'connexion_donation.msg_chart_not_french',
                company=company.rec_name))
    created = 0
    for code, name, parent, type_code in ACCOUNTS:
        if code in accounts:
            continue
        if parent not in accounts:
            continue
        type_ = accounts[type_code].type if type_code in accounts else None
        account = Account(company=company, code=code, name=name,
            parent=accounts[parent], type=type_, closed=code in VIEWS)
        account.save()
        accounts[code] = account
        created += 1
    for code, name in RENAME.items():
        if accounts[code].name != name:
            Account.write([accounts[code]], {'name': name})
    config = Config(1)
    for field, code in DEFAULTS.items():
        if not getattr(config, field) and code in accounts:
            setattr(config, field, accounts[code])
    if not config.journal:
        journals = Journal.search([('code', '=', 'MISC')], limit=1) \
            or Journal.search([('type', '=', 'general')], limit=1)
        if journals:
            config.journal, = journals
    config.save()
    return created


class CreateChartStart(ModelView):
    "Create Association Accounts"
    __name__ = 'connexion.donation.create_chart.start'

    company = fields.Many2One('company.company', "Company", required=True)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')


class CreateChart(Wizard):
    """Add the accounts of the plan comptable associatif to a company that
    uses the French chart, and set the donation accounts."""
    __name__ = 'connexion.donation.create_chart'

    start = StateView('connexion.donation.create_chart.start',
        'connexion_donation.create_chart_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()

    def transition_create_(self):
        create_association_accounts(self.start.company)
        return 'end'
