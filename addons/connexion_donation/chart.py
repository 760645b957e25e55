"""Accounts of the plan comptable associatif (ANC 2018-06) that the French
chart of account_fr lacks, added on a company that uses it.

Dedicated funds follow the règlement: 194 operating grants, 195
contributions of other organisations, 196 public generosity, with their
reports (689x) and uses (789x). The voluntary contributions in kind (86
uses, 87 resources) are class 8 accounts: their account types form a block
of the income statement of their own, shown at its foot and outside the
result (they balance each other and never enter the totals)."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

# code, name, parent code, type: the code of an account_fr account whose
# type is used, or the key of one of TYPES.
ACCOUNTS = [
    ('19', "Fonds dédiés", '1', 'dedicated'),
    ('194', "Fonds dédiés sur subventions d'exploitation", '19',
        'dedicated'),
    ('195', "Fonds dédiés sur contributions financières d'autres "
        "organismes", '19', 'dedicated'),
    ('196', "Fonds dédiés sur ressources liées à la générosité du public",
        '19', 'dedicated'),
    ('4681', "Frais des bénévoles", '468', '4686'),
    ('689', "Reports en fonds dédiés", '68', '6815'),
    ('6894', "Reports en fonds dédiés sur subventions d'exploitation",
        '689', '6815'),
    ('6895', "Reports en fonds dédiés sur contributions financières "
        "d'autres organismes", '689', '6815'),
    ('6896', "Reports en fonds dédiés sur ressources liées à la générosité "
        "du public", '689', '6815'),
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
    ('7894', "Utilisations des fonds dédiés sur subventions d'exploitation",
        '789', '7815'),
    ('7895', "Utilisations des fonds dédiés sur contributions financières "
        "d'autres organismes", '789', '7815'),
    ('7896', "Utilisations des fonds dédiés sur ressources liées à la "
        "générosité du public", '789', '7815'),
    ('86', "Emplois des contributions volontaires en nature", '8',
        'in_kind_uses'),
    ('860', "Secours en nature", '86', 'in_kind_uses'),
    ('861', "Mise à disposition gratuite de biens", '86', 'in_kind_uses'),
    ('862', "Prestations en nature", '86', 'in_kind_uses'),
    ('864', "Personnel bénévole", '86', 'in_kind_uses'),
    ('87', "Contributions volontaires en nature", '8',
        'in_kind_resources'),
    ('870', "Dons en nature", '87', 'in_kind_resources'),
    ('871', "Prestations en nature", '87', 'in_kind_resources'),
    ('875', "Bénévolat", '87', 'in_kind_resources'),
    ]
# Accounts that only group others (no move on them).
VIEWS = {'19', '689', '7541', '756', '789', '86', '87'}
RENAME = {
    '754': "Ressources liées à la générosité du public",
    }
# Account types added to account_fr's: key, name, parent (a key, or the
# code of an account and how many levels above its type; None for a root),
# statement, sequence. The dedicated funds are a section of the liabilities
# of their own, between the fonds propres and the provisions.
TYPES = [
    ('dedicated', "Fonds reportés et dédiés", ('151', 2), 'balance', 15),
    ('in_kind', "Contributions volontaires en nature (hors résultat)", None,
        'income', 1000),
    ('in_kind_uses', "Emplois des contributions volontaires en nature",
        'in_kind', 'income', 10),
    ('in_kind_resources', "Contributions volontaires en nature",
        'in_kind', 'income', 20),
    ]
# Names given before the règlement's numbering was followed (194 was the
# public generosity, 195 the grants): such an account is renamed only while
# it has no move, its balance would otherwise change meaning.
FORMER_NAMES = {
    '194': "Fonds dédiés sur ressources liées à la générosité du public",
    '195': "Fonds dédiés sur subventions",
    '6894': "Reports en fonds dédiés sur ressources liées à la générosité "
        "du public",
    '6895': "Reports en fonds dédiés sur subventions",
    '7894': "Utilisations des fonds dédiés sur ressources liées à la "
        "générosité du public",
    '7895': "Utilisations des fonds dédiés sur subventions",
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


def create_types(company, accounts):
    "The account types of TYPES on the company (idempotent): {key: type}."
    Type = Pool().get('account.account.type')
    types = {}
    for key, name, parent, statement, sequence in TYPES:
        if parent is None:
            parent_type = None
        elif parent in types:
            parent_type = types[parent]
        else:
            code, levels = parent
            parent_type = accounts[code].type if code in accounts else None
            for _ in range(levels):
                parent_type = parent_type.parent if parent_type else None
            if not parent_type:
                continue
        found = Type.search([
                ('company', '=', company.id),
                ('name', '=', name),
                ('statement', '=', statement),
                ('template', '=', None),
                ], limit=1)
        if found:
            types[key], = found
        else:
            types[key], = Type.create([{
                        'company': company.id, 'name': name,
                        'parent': parent_type.id if parent_type else None,
                        'statement': statement, 'sequence': sequence,
                        }])
    return types


def create_association_accounts(company):
    """Create the missing accounts (idempotent), put the existing ones in
    their place and type, and fill the empty settings; returns the number
    of accounts created."""
    pool = Pool()
    Account = pool.get('account.account')
    Line = pool.get('account.move.line')
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
    types = create_types(company, accounts)
    created = 0
    for code, name, parent, type_code in ACCOUNTS:
        if parent not in accounts:
            continue
        if type_code in types:
            type_ = types[type_code]
        elif type_code in accounts:
            type_ = accounts[type_code].type
        else:
            type_ = None
        if code in accounts:
            account = accounts[code]
            values = {}
            if account.parent != accounts[parent]:
                values['parent'] = accounts[parent].id
            if type_ and account.type != type_:
                values['type'] = type_.id
            if (FORMER_NAMES.get(code) == account.name
                    and account.name != name):
                if Line.search([('account', '=', account.id)], limit=1):
                    raise ValidationError(gettext(
                            'connexion_donation.msg_chart_former_name',
                            account=account.rec_name, name=name))
                values['name'] = name
            if values:
                Account.write([account], values)
            continue
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
