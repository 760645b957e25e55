"""Donation settings: journal and accounts used when a gift is validated,
tax reduction rates printed on receipts."""
import datetime as dt
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
        help="Yearly amount up to which the higher rate applies to gifts "
        "from the ceiling date (2,000 €).")
    difficulty_ceiling_date = fields.Date(
        "Ceiling Date",
        states={'invisible': ~Eval('difficulty_assistance')},
        help="First day of the gifts to which the ceiling applies: 14 "
        "October 2025, the presentation of the 2026 finance bill to the "
        "Council of Ministers (article 9 of the bill, 1 ter of article 200 "
        "of the CGI); some sources say 15 October: check against the "
        "published law.")
    difficulty_ceiling_before = fields.Numeric(
        "Previous Difficulty Ceiling", digits=(16, 2),
        states={'invisible': ~Eval('difficulty_assistance')},
        help="Ceiling of the gifts made before the ceiling date (1,000 €, "
        "made permanent by article 6 of the 2025 finance law).")

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
    def default_difficulty_ceiling_date(cls):
        return dt.date(2025, 10, 14)

    @classmethod
    def default_difficulty_ceiling_before(cls):
        return Decimal(1000)

    @classmethod
    def default_in_kind_posting(cls):
        return True

    def difficulty_ceilings(self, start, end):
        """[(ceiling, first date or None, last date or None)] of the gifts
        from start to end: the rule in force on each gift's date."""
        date = self.difficulty_ceiling_date
        before = self.difficulty_ceiling_before
        if before is None:
            before = self.difficulty_ceiling
        if not date or (start and start >= date):
            return [(self.difficulty_ceiling, None, None)]
        if end and end < date:
            return [(before, None, None)]
        return [(before, None, date - dt.timedelta(days=1)),
            (self.difficulty_ceiling, date, None)]

    def rate_text(self, donor_type, start=None, end=None):
        """The reduction printed on a receipt for this kind of donor, with
        the rules in force on the dates of its gifts (start to end)."""
        if donor_type == 'company':
            return (f"{self.rate_company:.0f} % du montant (40 % de la "
                "fraction supérieure à 2 000 000 €), dans la limite de "
                "20 000 € ou de 5 ‰ du chiffre d'affaires (article 238 bis "
                "du CGI)")
        if self.difficulty_assistance:
            ceilings = []
            for ceiling, first, last in self.difficulty_ceilings(start, end):
                text = f"{ceiling:,.0f} €".replace(',', ' ')
                if last:
                    text += f" pour les dons jusqu'au {last:%d/%m/%Y}"
                elif first:
                    text += f" pour les dons à compter du {first:%d/%m/%Y}"
                ceilings.append(text)
            return (f"{self.rate_difficulty:.0f} % dans la limite de "
                + " et de ".join(ceilings)
                + f", puis {self.rate_individual:.0f} % dans la limite de "
                "20 % du revenu imposable (article 200 du CGI)")
        return (f"{self.rate_individual:.0f} % du montant, dans la limite de "
            "20 % du revenu imposable (article 200 du CGI)")
