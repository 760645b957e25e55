"""Settings of the tax receipts: the tax reduction rates and the rules in
force on the dates of the gifts, printed on each receipt."""
import datetime as dt
from decimal import Decimal

from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Configuration(metaclass=PoolMeta):
    __name__ = 'connexion.donation.configuration'

    rate_individual = fields.Numeric(
        "Individual Rate", digits=(3, 0), required=True,
        help="Income tax reduction for individuals, in percent.")
    rate_company = fields.Numeric(
        "Company Rate", digits=(3, 0), required=True,
        help="Tax reduction for companies, in percent (60 %, article 238 "
        "bis of the CGI).")
    rate_company_above = fields.Numeric(
        "Company Rate above 2 M€", digits=(3, 0),
        help="Rate on the part of a company's gifts of a financial year "
        "above 2,000,000 € (40 %, article 238 bis of the CGI as amended by "
        "article 134 of the 2020 finance law), for the gifts from the "
        "company rules date. It does not apply to gifts to organisations "
        "providing free meals, care or housing to people in difficulty "
        "(1 ter of article 200 of the CGI): theirs stay at the company "
        "rate.")
    company_rules_date = fields.Date(
        "Company Rules Date",
        help="First day of the company gifts to which the rate above "
        "2,000,000 € and the ceiling of 20,000 € or 5 per mille of the "
        "turnover apply (article 238 bis of the CGI, as amended by article "
        "134 of the 2020 finance law, n° 2019-1479 of 28 December 2019): 1 "
        "January 2020, for companies whose financial year is the calendar "
        "year. Receipts of earlier gifts state 60 % within the limits of "
        "article 238 bis applicable to the year of the gift.")
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
    def default_rate_company_above(cls):
        return Decimal(40)

    @classmethod
    def default_company_rules_date(cls):
        return dt.date(2020, 1, 1)

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
            return self.company_rate_text(start, end)
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

    def company_rate_text(self, start=None, end=None):
        """The reduction of article 238 bis printed on a company receipt:
        the rules in force on the dates of its gifts (start to end), both
        with their dates when the gifts span the company rules date."""
        date = self.company_rules_date
        if not date or (start and start >= date):
            return self._company_rate_text(True)
        if end and end < date:
            return self._company_rate_text(False)
        last = date - dt.timedelta(days=1)
        return (f"pour les dons jusqu'au {last:%d/%m/%Y}, "
            + self._company_rate_text(False)
            + f" ; pour les dons à compter du {date:%d/%m/%Y}, "
            + self._company_rate_text(True))

    def _company_rate_text(self, current):
        rate = f"{self.rate_company:.0f} % du montant"
        if not current:
            return (f"{rate}, dans les limites de l'article 238 bis du CGI "
                "applicables à l'exercice du versement")
        ceiling = ("dans la limite de 20 000 € ou de 5 ‰ du chiffre "
            "d'affaires lorsque ce dernier montant est plus élevé")
        if self.difficulty_assistance:
            # Article 238 bis 1: the lower rate does not apply to gifts to
            # the organisations of 1 ter of article 200.
            return (f"{rate}, y compris au-delà de 2 000 000 € (dons à un "
                "organisme d'aide aux personnes en difficulté), "
                f"{ceiling} (article 238 bis du CGI)")
        above = self.rate_company_above
        if above is None:
            # Settings saved before this field existed.
            above = self.default_rate_company_above()
        if above == self.rate_company:
            return f"{rate}, {ceiling} (article 238 bis du CGI)"
        return (f"{rate} et {above:.0f} % de la fraction des versements de "
            "l'exercice supérieure à 2 000 000 €, "
            f"{ceiling} (article 238 bis du CGI)")
