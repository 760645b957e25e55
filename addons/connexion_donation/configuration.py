"""Donation settings: journal and accounts used when a gift is validated,
tax reduction rates printed on receipts."""
from decimal import Decimal

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pyson import Eval

ACCOUNT_DOMAIN = [
    ('type', '!=', None),
    ('closed', '!=', True),
    ]


def account_field(string, help=None):
    return fields.Many2One(
        'account.account', string, domain=ACCOUNT_DOMAIN, help=help)


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "Donation Configuration"
    __name__ = 'connexion.donation.configuration'

    journal = fields.Many2One(
        'account.journal', "Journal",
        help="Journal of the moves posted when a donation is validated.")
    account_cash = account_field(
        "Cash Account", help="Debited for gifts in cash (530).")
    account_check = account_field(
        "Cheque Account",
        help="Debited for gifts by cheque until the deposit (5112).")
    account_bank = account_field(
        "Bank Account",
        help="Debited for transfers, direct debits and card payments (512).")
    account_gift = account_field(
        "Manual Gifts Account", help="Gifts from individuals (75411).")
    account_patronage = account_field(
        "Patronage Account", help="Gifts from companies (7542).")
    account_expense_waiver = account_field(
        "Waived Expenses Account",
        help="Volunteer expenses waived as a gift (75412).")
    account_income_waiver = account_field(
        "Waived Income Account", help="Income waived as a gift (75413).")
    account_volunteer_expense = account_field(
        "Volunteer Expenses Account",
        help="Debited when expenses or income are waived (4681).")
    in_kind_posting = fields.Boolean(
        "Post In-Kind Gifts",
        help="Post gifts in kind as voluntary contributions (870/860); "
        "otherwise they are only recorded.")
    account_in_kind = account_field(
        "In-Kind Gifts Account", help="Credited for gifts in kind (870).")
    account_in_kind_use = account_field(
        "In-Kind Uses Account", help="Debited for gifts in kind (860).")
    rate_individual = fields.Numeric(
        "Individual Rate", digits=(3, 0), required=True,
        help="Income tax reduction for individuals, in percent.")
    rate_company = fields.Numeric(
        "Company Rate", digits=(3, 0), required=True,
        help="Tax reduction for companies, in percent.")
    difficulty_assistance = fields.Boolean(
        "Assistance to People in Difficulty",
        help="The association provides free meals, care or housing to people "
        "in difficulty: gifts from individuals give the higher rate up to "
        "the ceiling.")
    rate_difficulty = fields.Numeric(
        "Difficulty Rate", digits=(3, 0),
        states={'invisible': ~Eval('difficulty_assistance')})
    difficulty_ceiling = fields.Numeric(
        "Difficulty Ceiling", digits=(16, 2),
        states={'invisible': ~Eval('difficulty_assistance')},
        help="Yearly amount up to which the higher rate applies "
        "(2,000 € for gifts since 14 October 2025).")

    @classmethod
    def default_rate_individual(cls):
        return Decimal(66)

    @classmethod
    def default_rate_company(cls):
        return Decimal(60)

    @classmethod
    def default_rate_difficulty(cls):
        return Decimal(75)

    @classmethod
    def default_difficulty_ceiling(cls):
        return Decimal(2000)

    @classmethod
    def default_in_kind_posting(cls):
        return True

    def rate_text(self, donor_type):
        "The reduction printed on a receipt for this kind of donor."
        if donor_type == 'company':
            return (f"{self.rate_company:.0f} % du montant, dans la limite de "
                "20 000 € ou de 5 ‰ du chiffre d'affaires (article 238 bis "
                "du CGI)")
        if self.difficulty_assistance:
            return (f"{self.rate_difficulty:.0f} % dans la limite de "
                f"{self.difficulty_ceiling:,.0f} €".replace(',', ' ')
                + f", puis {self.rate_individual:.0f} % dans la limite de 20 % "
                "du revenu imposable (article 200 du CGI)")
        return (f"{self.rate_individual:.0f} % du montant, dans la limite de "
            "20 % du revenu imposable (article 200 du CGI)")
