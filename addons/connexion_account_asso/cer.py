"""Compte de résultat par origine et destination (CROD) and compte
d'emploi annuel des ressources collectées auprès du public (CER) of a
fiscal year (règlement ANC 2018-06), with the previous year beside.

Computed from the posted moves, without analytic accounting: each class 6/7
account (and 86/87 contributions volontaires en nature) goes to a heading of
the CER through per-company rules on account-code prefixes (the longest
prefix wins). Resources are shown by origin (générosité du public or not,
subventions), expenses by destination (missions sociales, recherche de fonds,
fonctionnement), then provisions, fonds dédiés and the contributions
volontaires en nature: that is the CROD.

The CER keeps only public generosity: its resources (754, 756 without
counterpart), the uses they financed by an allocation method that the board
sets (in proportion of generosity in the resources, or a rate per
destination), the generosity dedicated funds of the year (6896, 7896), the
surplus or deficit of generosity and the generosity resources carried
forward (the opening amount comes from the previous year's CER or the
annual report: it is entered).
"""
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.operators import Like

from connexion_asso.spreadsheet import csv_file, safe_cell
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .cer_rule import (
    IN_KIND_RESOURCES, IN_KIND_USES, SIDES, UNALLOCATED, heading_of, side_of)

# The summary: (section, reference, heading or message id, headings summed
# or None for the result, is a total). Labels of headings come from the
# rule selection, those of totals from messages.
SUBTOTAL_FUNDRAISING = ['fundraising_public', 'fundraising_other']
TOTAL_USES = (['mission', 'operating', 'unallocated_use']
    + SUBTOTAL_FUNDRAISING)
TOTAL_PUBLIC = ['public_membership', 'public_gift', 'public_bequest',
    'public_patronage', 'public_other']
TOTAL_OTHER = ['other_membership', 'other']
TOTAL_RESOURCES = TOTAL_PUBLIC + TOTAL_OTHER + [
    'grant', 'unallocated_resource']
TOTAL_CHARGES = TOTAL_USES + ['provision', 'tax', 'dedicated_report']
TOTAL_PRODUCTS = TOTAL_RESOURCES + ['reversal', 'dedicated_use']
LAYOUT = [
    ('uses', '1', 'mission', ['mission'], False),
    ('uses', '2', 'msg_cer_fundraising', SUBTOTAL_FUNDRAISING, True),
    ('uses', '2.1', 'fundraising_public', ['fundraising_public'], False),
    ('uses', '2.2', 'fundraising_other', ['fundraising_other'], False),
    ('uses', '3', 'operating', ['operating'], False),
    ('uses', '', 'unallocated_use', ['unallocated_use'], False),
    ('uses', 'I', 'msg_cer_total_uses', TOTAL_USES, True),
    ('uses', '4', 'provision', ['provision'], False),
    ('uses', '5', 'tax', ['tax'], False),
    ('uses', '6', 'dedicated_report', ['dedicated_report'], False),
    ('uses', 'II', 'msg_cer_total_charges', TOTAL_CHARGES, True),
    ('resources', '1', 'msg_cer_public', TOTAL_PUBLIC, True),
    ('resources', '1.1', 'public_membership', ['public_membership'], False),
    ('resources', '1.2', 'public_gift', ['public_gift'], False),
    ('resources', '1.3', 'public_bequest', ['public_bequest'], False),
    ('resources', '1.4', 'public_patronage', ['public_patronage'], False),
    ('resources', '1.5', 'public_other', ['public_other'], False),
    ('resources', '2', 'msg_cer_not_public', TOTAL_OTHER, True),
    ('resources', '2.1', 'other_membership', ['other_membership'], False),
    ('resources', '2.2', 'other', ['other'], False),
    ('resources', '3', 'grant', ['grant'], False),
    ('resources', '', 'unallocated_resource', ['unallocated_resource'],
        False),
    ('resources', 'III', 'msg_cer_total_resources', TOTAL_RESOURCES, True),
    ('resources', '4', 'reversal', ['reversal'], False),
    ('resources', '5', 'dedicated_use', ['dedicated_use'], False),
    ('resources', 'IV', 'msg_cer_total_products', TOTAL_PRODUCTS, True),
    ('resources', '', 'msg_cer_result', None, True),
    ('in_kind_uses', '1', 'in_kind_mission', ['in_kind_mission'], False),
    ('in_kind_uses', '2', 'in_kind_fundraising', ['in_kind_fundraising'],
        False),
    ('in_kind_uses', '3', 'in_kind_operating', ['in_kind_operating'], False),
    ('in_kind_uses', '', 'unallocated_in_kind_use',
        ['unallocated_in_kind_use'], False),
    ('in_kind_uses', 'V', 'msg_cer_total_in_kind_uses',
        IN_KIND_USES + ['unallocated_in_kind_use'], True),
    ('in_kind_resources', '1', 'in_kind_volunteer', ['in_kind_volunteer'],
        False),
    ('in_kind_resources', '2', 'in_kind_services', ['in_kind_services'],
        False),
    ('in_kind_resources', '3', 'in_kind_gifts', ['in_kind_gifts'], False),
    ('in_kind_resources', '', 'unallocated_in_kind_resource',
        ['unallocated_in_kind_resource'], False),
    ('in_kind_resources', 'VI', 'msg_cer_total_in_kind_resources',
        IN_KIND_RESOURCES + ['unallocated_in_kind_resource'], True),
    ]


def account_balances(fiscalyear):
    """[(account id, code, debit - credit)] of classes 6, 7, 86 and 87 over
    the posted moves of the fiscal year, aggregated by the database.

    Moves of situation journals are left out: they hold the opening balances
    and the closing of the income accounts (balance non-deferral)."""
    pool = Pool()
    Line = pool.get('account.move.line')
    Move = pool.get('account.move')
    Period = pool.get('account.period')
    Journal = pool.get('account.journal')
    Account = pool.get('account.account')
    line, move, period = Line.__table__(), Move.__table__(), Period.__table__()
    journal, account = Journal.__table__(), Account.__table__()
    classes = (Like(account.code, '6%') | Like(account.code, '7%')
        | Like(account.code, '86%') | Like(account.code, '87%'))
    query = (line
        .join(move, condition=line.move == move.id)
        .join(period, condition=move.period == period.id)
        .join(journal, condition=move.journal == journal.id)
        .join(account, condition=line.account == account.id)
        .select(account.id, account.code,
            Sum(Coalesce(line.debit, 0) - Coalesce(line.credit, 0)),
            where=(period.fiscalyear == fiscalyear.id)
            & (move.company == fiscalyear.company.id)
            & (move.state == 'posted')
            & (journal.type != 'situation')
            & classes,
            group_by=[account.id, account.code]))
    cursor = Transaction().connection.cursor()
    cursor.execute(*query)
    currency = fiscalyear.company.currency
    result = []
    for account_id, code, balance in cursor:
        if not isinstance(balance, Decimal):
            balance = Decimal(str(balance or 0))
        result.append((account_id, code, currency.round(balance)))
    return result


GENEROSITY_USES = ['mission', 'fundraising_public', 'operating']
DEDICATED_REPORT_PUBLIC, DEDICATED_USE_PUBLIC = '6896', '7896'
# The CER proper: (section, reference, message id, key, is a total).
CER_LAYOUT = [
    ('cer_uses', '1', 'mission', 'mission', False),
    ('cer_uses', '2', 'fundraising_public', 'fundraising_public', False),
    ('cer_uses', '3', 'operating', 'operating', False),
    ('cer_uses', 'I', 'msg_cer_total_uses', 'total_uses', True),
    ('cer_uses', '4', 'msg_cer_dedicated_report_public', 'report', False),
    ('cer_uses', '', 'msg_cer_generosity_surplus', 'surplus', False),
    ('cer_uses', 'II', 'msg_cer_total', 'total_uses_all', True),
    ('cer_resources', '1', 'msg_cer_public', 'resources', True),
    ('cer_resources', '1.1', 'public_membership', 'public_membership',
        False),
    ('cer_resources', '1.2', 'public_gift', 'public_gift', False),
    ('cer_resources', '1.3', 'public_bequest', 'public_bequest', False),
    ('cer_resources', '1.4', 'public_patronage', 'public_patronage', False),
    ('cer_resources', '1.5', 'public_other', 'public_other', False),
    ('cer_resources', 'I', 'msg_cer_total_resources', 'resources', True),
    ('cer_resources', '2', 'msg_cer_dedicated_use_public', 'use', False),
    ('cer_resources', '', 'msg_cer_generosity_deficit', 'deficit', False),
    ('cer_resources', 'II', 'msg_cer_total', 'total_resources_all', True),
    ('cer_carried', '', 'msg_cer_carried_start', 'carried_start', False),
    ('cer_carried', '', 'msg_cer_carried_result', 'result', False),
    ('cer_carried', '', 'msg_cer_carried_end', 'carried_end', True),
    ]


def generosity_uses(amounts, share, method='proportional', rates=None):
    """{destination: part of its uses financed by public generosity}.

    proportional: each use × the share of generosity in the resources;
    rates: each use × the board's rate for its destination (0 to 1)."""
    rates = rates or {}
    result = {}
    for heading in GENEROSITY_USES:
        rate = (share or Decimal(0)) if method == 'proportional' else (
            rates.get(heading) or Decimal(0))
        result[heading] = amounts[heading] * rate
    return result


def compute_generosity(amounts, dedicated, share, currency,
        method='proportional', rates=None, carried_start=None):
    """The CER lines (dicts as compute's) and their values by key, from
    the CROD amounts per heading and the balances of the generosity
    dedicated fund accounts."""
    financed = generosity_uses(amounts, share, method, rates)
    values = {h: currency.round(v) for h, v in financed.items()}
    values['total_uses'] = sum(values.values(), Decimal(0))
    values['report'] = dedicated.get(DEDICATED_REPORT_PUBLIC, Decimal(0))
    values['use'] = dedicated.get(DEDICATED_USE_PUBLIC, Decimal(0))
    for heading in TOTAL_PUBLIC:
        values[heading] = amounts[heading]
    values['resources'] = sum(
        (amounts[h] for h in TOTAL_PUBLIC), Decimal(0))
    result = (values['resources'] + values['use']
        - values['total_uses'] - values['report'])
    values['result'] = result
    values['surplus'] = max(result, Decimal(0))
    values['deficit'] = max(-result, Decimal(0))
    values['total_uses_all'] = (values['total_uses'] + values['report']
        + values['surplus'])
    values['total_resources_all'] = (values['resources'] + values['use']
        + values['deficit'])
    values['carried_start'] = carried_start or Decimal(0)
    values['carried_end'] = values['carried_start'] + result
    pool = Pool()
    Rule = pool.get('connexion.cer.rule')
    labels = dict(Rule.fields_get(['heading'])['heading']['selection'])
    lines = []
    for section, reference, heading, key, is_total in CER_LAYOUT:
        label = (gettext('connexion_account_asso.' + heading)
            if heading.startswith('msg_') else labels[heading])
        lines.append({
                'section': gettext(
                    'connexion_account_asso.msg_cer_section_' + section),
                'reference': reference, 'heading': label,
                'amount': currency.round(values[key]),
                'total': is_total})
    return lines, values


def previous_fiscalyear(fiscalyear):
    "The fiscal year just before, of the same company, or None."
    FiscalYear = Pool().get('account.fiscalyear')
    found = FiscalYear.search([
            ('company', '=', fiscalyear.company.id),
            ('end_date', '<', fiscalyear.start_date),
            ], order=[('end_date', 'DESC')], limit=1)
    return found[0] if found else None


def with_previous(lines, previous_lines):
    "Set amount_previous on lines from the same line of the N-1 table."
    previous = {(l['section'], l['reference'], l['heading']): l['amount']
        for l in previous_lines}
    for line in lines:
        line['amount_previous'] = previous.get(
            (line['section'], line['reference'], line['heading']))
    return lines


def compute_all(fiscalyear, method='proportional', rates=None,
        carried_start=None):
    """CROD then CER of the fiscal year, with the N-1 column: (lines,
    details, public share). The generosity carried forward at the end of
    N-1 is the opening of this year; its opening is that less its
    result."""
    currency = fiscalyear.company.currency
    lines, details, share, amounts, dedicated = _compute(fiscalyear)
    cer_lines, _ = compute_generosity(amounts, dedicated, share, currency,
        method, rates, carried_start)
    lines += cer_lines
    previous = previous_fiscalyear(fiscalyear)
    previous_lines = []
    if previous:
        p_lines, _, p_share, p_amounts, p_dedicated = _compute(previous)
        opening = carried_start or Decimal(0)
        _, p_values = compute_generosity(p_amounts, p_dedicated, p_share,
            currency, method, rates)
        p_cer_lines, _ = compute_generosity(p_amounts, p_dedicated, p_share,
            currency, method, rates, opening - p_values['result'])
        previous_lines = p_lines + p_cer_lines
    return with_previous(lines, previous_lines), details, share


def compute(fiscalyear):
    """The CROD of the fiscal year: (lines, details, public share).

    lines: dicts of section, reference, heading, amount, total;
    details: (code, account name, heading label, amount) per account."""
    lines, details, share, _, _ = _compute(fiscalyear)
    return lines, details, share


def _compute(fiscalyear):
    """(lines, details, public share, amounts per heading, balances of the
    generosity dedicated fund accounts) of the fiscal year."""
    pool = Pool()
    Rule = pool.get('connexion.cer.rule')
    Account = pool.get('account.account')
    currency = fiscalyear.company.currency
    rules = Rule.for_company(fiscalyear.company)
    labels = dict(Rule.fields_get(['heading'])['heading']['selection'])
    for heading in UNALLOCATED:
        labels[heading] = gettext('connexion_account_asso.msg_cer_unallocated')
    amounts = defaultdict(Decimal)
    dedicated = defaultdict(Decimal)
    details = []
    balances = account_balances(fiscalyear)
    names = {a.id: a.name for a in Account.browse([b[0] for b in balances])}
    for account_id, code, balance in balances:
        heading = heading_of(code, rules)
        if heading is None or not balance:
            continue
        amount = balance * SIDES[side_of(code)][2]
        amounts[heading] += amount
        for prefix in [DEDICATED_REPORT_PUBLIC, DEDICATED_USE_PUBLIC]:
            if code.startswith(prefix):
                dedicated[prefix] += amount
        details.append((code, names[account_id], labels[heading], amount))

    def total(headings):
        return sum((amounts[h] for h in headings), Decimal(0))
    lines = []
    for section, reference, heading, members, is_total in LAYOUT:
        if members is None:
            amount = total(TOTAL_PRODUCTS) - total(TOTAL_CHARGES)
        else:
            amount = total(members)
        if heading in UNALLOCATED and not amount:
            continue
        label = (gettext('connexion_account_asso.' + heading)
            if heading.startswith('msg_') else labels[heading])
        lines.append({
                'section': gettext(
                    'connexion_account_asso.msg_cer_section_' + section),
                'reference': reference, 'heading': label,
                'amount': currency.round(amount),
                'total': is_total})
    resources, public = total(TOTAL_RESOURCES), total(TOTAL_PUBLIC)
    share = ((public / resources).quantize(Decimal('0.0001'))
        if resources else None)
    details.sort()
    return lines, details, share, amounts, dedicated


def to_csv(lines, details, share):
    """The summary then the detail per account, as French spreadsheets read.

    Account names and headings are typed by users: the file is written
    through connexion_asso's spreadsheet helper so that none runs as a
    formula; amounts are given as numbers and stay numbers."""
    pool = Pool()
    Line = pool.get('connexion.cer.line')
    Rule = pool.get('connexion.cer.rule')
    Account = pool.get('account.account')
    names = ['section', 'reference', 'heading', 'amount']
    # The N-1 column when there is a previous year.
    if any(line.get('amount_previous') is not None for line in lines):
        names.append('amount_previous')
    strings = Line.fields_get(names)
    rows = [[strings[f]['string'] for f in names]]
    for line in lines:
        rows.append([line.get(f) if line.get(f) is not None else ''
                for f in names])
    if share is not None:
        rows.append(['', '', gettext('connexion_account_asso.msg_cer_share'),
                safe_cell((share * 100).quantize(Decimal('0.01'))) + ' %'])
    rows.append([])
    account = Account.fields_get(['code', 'name'])
    rows.append([account['code']['string'], account['name']['string'],
            Rule.fields_get(['heading'])['heading']['string'],
            strings['amount']['string']])
    rows.extend(list(detail) for detail in details)
    return csv_file(rows)


class CERStart(ModelView):
    "The fiscal year whose CER is computed."
    __name__ = 'connexion.cer.start'
    __string__ = "Statement of Use of Resources"

    company = fields.Many2One('company.company', "Company", required=True)
    fiscalyear = fields.Many2One('account.fiscalyear', "Fiscal Year",
        required=True, domain=[('company', '=', Eval('company', -1))])
    allocation = fields.Selection([
            ('proportional', "Share of public generosity in resources"),
            ('rates', "Rates per destination"),
            ], "Allocation of Generosity", required=True,
        help="The method, set by the board, that gives the part of each "
        "use financed by public generosity in the CER: every use in "
        "proportion of generosity in the resources, or a rate per "
        "destination.")
    rate_mission = fields.Numeric("Social Missions Rate", digits=(16, 4),
        domain=['OR', ('rate_mission', '=', None),
            [('rate_mission', '>=', 0), ('rate_mission', '<=', 1)]],
        states={
            'invisible': Eval('allocation') != 'rates',
            'required': Eval('allocation') == 'rates',
            })
    rate_fundraising = fields.Numeric("Appeals to Generosity Rate",
        digits=(16, 4),
        domain=['OR', ('rate_fundraising', '=', None),
            [('rate_fundraising', '>=', 0), ('rate_fundraising', '<=', 1)]],
        states={
            'invisible': Eval('allocation') != 'rates',
            'required': Eval('allocation') == 'rates',
            })
    rate_operating = fields.Numeric("Operating Costs Rate", digits=(16, 4),
        domain=['OR', ('rate_operating', '=', None),
            [('rate_operating', '>=', 0), ('rate_operating', '<=', 1)]],
        states={
            'invisible': Eval('allocation') != 'rates',
            'required': Eval('allocation') == 'rates',
            })
    carried_start = fields.Numeric("Generosity Carried Forward at Start",
        digits=(16, 2),
        help="Resources from public generosity not yet used at the start "
        "of the year, outside dedicated funds: the end of the previous "
        "year's CER.")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_allocation():
        return 'proportional'

    def generosity_rates(self):
        "{destination: rate} of the board, for the 'rates' allocation."
        return {
            'mission': self.rate_mission,
            'fundraising_public': self.rate_fundraising,
            'operating': self.rate_operating,
            }

    @fields.depends('company', 'fiscalyear')
    def on_change_company(self):
        if self.fiscalyear and self.fiscalyear.company != self.company:
            self.fiscalyear = None


class CERLine(ModelView):
    "A heading or a total of the CER, not stored."
    __name__ = 'connexion.cer.line'
    __string__ = "Statement of Use of Resources Line"

    section = fields.Char("Section", readonly=True)
    reference = fields.Char("Reference", readonly=True)
    heading = fields.Char("Heading", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    amount_previous = fields.Numeric("Previous Year", digits=(16, 2),
        readonly=True)
    total = fields.Boolean("Total", readonly=True)


class CERResult(ModelView):
    "The CER table, the share of public generosity and the CSV file."
    __name__ = 'connexion.cer.result'
    __string__ = "Statement of Use of Resources"

    fiscalyear = fields.Many2One(
        'account.fiscalyear', "Fiscal Year", readonly=True)
    lines = fields.One2Many(
        'connexion.cer.line', None, "Lines", readonly=True)
    public_share = fields.Float("Share of Public Generosity", digits=(16, 4),
        readonly=True,
        help="Resources from public generosity over the total resources of "
        "the year (before reversals and dedicated funds).")
    file = fields.Binary("File", readonly=True, filename='filename')
    filename = fields.Char("File Name", readonly=True)


class CER(Wizard):
    """Compte d'emploi des ressources of a fiscal year, from the posted
    moves, with a CSV file for the annual report."""
    __name__ = 'connexion.cer'

    start = StateView('connexion.cer.start',
        'connexion_account_asso.cer_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Default Rules", 'default_rules', 'tryton-launch'),
            Button("Compute", 'result', 'tryton-ok', default=True),
            ])
    default_rules = StateTransition()
    result = StateView('connexion.cer.result',
        'connexion_account_asso.cer_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_default_rules(self):
        Rule = Pool().get('connexion.cer.rule')
        Rule.create_defaults(self.start.company)
        return 'start'

    def value_start(self, fields):
        "Keep the fiscal year when coming back from the default rules."
        if getattr(self.start, 'fiscalyear', None):
            return {'company': self.start.company.id,
                'fiscalyear': self.start.fiscalyear.id,
                'allocation': self.start.allocation,
                'rate_mission': self.start.rate_mission,
                'rate_fundraising': self.start.rate_fundraising,
                'rate_operating': self.start.rate_operating,
                'carried_start': self.start.carried_start,
                }
        return {}

    def default_result(self, fields):
        fiscalyear = self.start.fiscalyear
        lines, details, share = compute_all(fiscalyear,
            method=self.start.allocation or 'proportional',
            rates=self.start.generosity_rates(),
            carried_start=self.start.carried_start)
        return {
            'fiscalyear': fiscalyear.id,
            'lines': lines,
            'public_share': float(share) if share is not None else None,
            'file': to_csv(lines, details, share),
            'filename': 'CROD-CER-%s.csv' % fiscalyear.name,
            }
