"""The rules that send the accounts of classes 6, 7, 86 and 87 to the
headings of the CROD and CER, per company, on account-code prefixes (the
longest prefix wins); accounts no rule matches go to an unallocated heading
so that nothing silently disappears."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.transaction import Transaction

from .exceptions import CERRuleError

# Headings a rule may give; their side is checked against the prefix.
USES = ['mission', 'fundraising_public', 'fundraising_other', 'operating',
    'provision', 'tax', 'dedicated_report']
RESOURCES = ['public_membership', 'public_gift', 'public_bequest',
    'public_patronage', 'public_other', 'other_membership', 'other', 'grant',
    'reversal', 'dedicated_use']
IN_KIND_USES = ['in_kind_mission', 'in_kind_fundraising', 'in_kind_operating']
IN_KIND_RESOURCES = ['in_kind_volunteer', 'in_kind_services', 'in_kind_gifts']
# Account classes: prefix → headings allowed and the heading of accounts
# no rule matches (shown so that nothing silently disappears).
SIDES = {
    '6': (USES, 'unallocated_use', 1),
    '7': (RESOURCES, 'unallocated_resource', -1),
    '86': (IN_KIND_USES, 'unallocated_in_kind_use', 1),
    '87': (IN_KIND_RESOURCES, 'unallocated_in_kind_resource', -1),
    }

# Defaults for an association on account_fr: purchases and travel serve the
# missions (the dreams), advertising and publications the appeals to the
# public, the rest of the overheads the functioning.
DEFAULT_RULES = [
    ('6', 'operating'),
    ('60', 'mission'),
    ('623', 'fundraising_public'),
    ('625', 'mission'),
    ('657', 'mission'),
    ('68', 'provision'),
    ('689', 'dedicated_report'),
    ('69', 'tax'),
    ('7', 'other'),
    ('74', 'grant'),
    ('754', 'public_other'),
    ('7541', 'public_gift'),
    ('7542', 'public_patronage'),
    ('7543', 'public_bequest'),
    ('756', 'public_membership'),
    ('7562', 'other_membership'),
    ('78', 'reversal'),
    ('789', 'dedicated_use'),
    ('86', 'in_kind_mission'),
    ('87', 'in_kind_volunteer'),
    ('870', 'in_kind_gifts'),
    ('871', 'in_kind_services'),
    ]
# The headings of the accounts no rule matches.
UNALLOCATED = {h for _, h, _ in SIDES.values()}


def side_of(prefix):
    "The account class (key of SIDES) of a code or prefix, or None."
    found = [s for s in SIDES if prefix.startswith(s)]
    return max(found, key=len) if found else None


class Rule(ModelSQL, ModelView):
    "Which heading of the CER the accounts of a code prefix go to."
    __name__ = 'connexion.cer.rule'
    __string__ = "CER Heading Rule"

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE')
    prefix = fields.Char("Account Code Prefix", required=True, strip=True,
        help="Accounts whose code starts with this prefix (6…, 7…, 86… or "
        "87…); the longest matching prefix wins.")
    heading = fields.Selection([
            ('mission', "Social missions"),
            ('fundraising_public', "Costs of appeals to public generosity"),
            ('fundraising_other', "Costs of seeking other resources"),
            ('operating', "Operating costs"),
            ('provision', "Provisions and impairments"),
            ('tax', "Income tax"),
            ('dedicated_report', "Transfers to dedicated funds"),
            ('public_membership', "Membership fees without counterpart"),
            ('public_gift', "Individual gifts"),
            ('public_bequest', "Bequests, donations and life insurance"),
            ('public_patronage', "Corporate patronage"),
            ('public_other', "Other resources from public generosity"),
            ('other_membership', "Membership fees with counterpart"),
            ('other', "Other resources not from public generosity"),
            ('grant', "Grants and other public support"),
            ('reversal', "Reversals of provisions and impairments"),
            ('dedicated_use', "Uses of prior dedicated funds"),
            ('in_kind_mission', "Voluntary contributions to social missions"),
            ('in_kind_fundraising',
                "Voluntary contributions to fundraising"),
            ('in_kind_operating', "Voluntary contributions to operations"),
            ('in_kind_volunteer', "Volunteer work"),
            ('in_kind_services', "Services in kind"),
            ('in_kind_gifts', "Gifts in kind"),
            ], "Heading", required=True, sort=False)
    heading_string = heading.translated('heading')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_prefix_unique', Unique(t, t.company, t.prefix),
                'connexion_account_asso.msg_cer_rule_unique'),
            ]
        cls._order = [('company', 'ASC'), ('prefix', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        if field_names & {'prefix', 'heading'}:
            for rule in rules:
                rule.check_side()

    def check_side(self):
        "A prefix of expenses gets a destination, of resources an origin."
        side = side_of(self.prefix) if self.prefix.isdigit() else None
        if side is None or self.heading not in SIDES[side][0]:
            raise CERRuleError(gettext(
                    'connexion_account_asso.msg_cer_rule_side',
                    prefix=self.prefix,
                    heading=self.heading_string or self.heading))

    @classmethod
    def for_company(cls, company):
        "{prefix: heading} of the company, the defaults if it has none."
        rules = cls.search([('company', '=', company.id)])
        if not rules:
            return dict(DEFAULT_RULES)
        return {r.prefix: r.heading for r in rules}

    @classmethod
    def create_defaults(cls, company):
        "Create the default rules missing on the company; returns them."
        existing = {r.prefix for r in cls.search(
                [('company', '=', company.id)])}
        return cls.create([{
                    'company': company.id, 'prefix': prefix,
                    'heading': heading}
                for prefix, heading in DEFAULT_RULES
                if prefix not in existing])


def heading_of(code, rules):
    "Heading of an account code: longest matching prefix, else unallocated."
    side = side_of(code)
    if side is None:
        return None
    matches = [p for p in rules if code.startswith(p)]
    if not matches:
        return SIDES[side][1]
    return rules[max(matches, key=len)]
