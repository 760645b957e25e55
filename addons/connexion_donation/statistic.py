"""Funds raised per month and per year, with the donors and their
retention, for the dashboards (validated gifts, as the receipts count)."""
from collections import defaultdict

from sql import Cast
from sql.aggregate import Count, Min, Sum
from sql.functions import Extract, ToChar

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from connexion_asso.sums import DecimalSumsMixin

from .party import _validated


class DonationMonth(DecimalSumsMixin, ModelSQL, ModelView):
    "Validated gifts per month: what the board looks at first."
    __name__ = 'connexion.donation.month'
    _decimal_sums = ('amount',)

    month = fields.Char("Month")
    amount = fields.Numeric("Amount", digits=(16, 2))
    gifts = fields.Integer("Number of Gifts")
    donors = fields.Integer("Donors")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        # Grouped on the month of a subquery: PostgreSQL does not see that
        # two TO_CHAR with their format as parameters are the same.
        gifts = donation.select(
            donation.id, donation.party, donation.amount,
            ToChar(donation.date, 'YYYY-MM').as_('month'),
            where=_validated(donation))
        return gifts.select(
            Min(gifts.id).as_('id'),
            gifts.month.as_('month'),
            Sum(gifts.amount).as_('amount'),
            Count(gifts.id).as_('gifts'),
            Count(gifts.party, distinct=True).as_('donors'),
            group_by=[gifts.month])


class DonationYear(DecimalSumsMixin, ModelSQL, ModelView):
    """Validated gifts per year, with the donors of the year, those new to
    the association and those who gave the year before too: retention is the
    share of last year's donors who gave again."""
    __name__ = 'connexion.donation.year'
    _decimal_sums = ('amount',)

    year = fields.Char("Year")
    amount = fields.Numeric("Amount", digits=(16, 2))
    gifts = fields.Integer("Number of Gifts")
    donors = fields.Integer("Donors")
    new_donors = fields.Function(
        fields.Integer("New Donors",
            help="Donors who had never given before this year."),
        'get_retention')
    retained_donors = fields.Function(
        fields.Integer("Retained Donors",
            help="Donors of the year before who gave again."),
        'get_retention')
    retention = fields.Function(
        fields.Float("Retention (%)", digits=(16, 0),
            help="Retained donors out of the donors of the year before."),
        'get_retention')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        year = Extract('YEAR', donation.date)
        return donation.select(
            Min(donation.id).as_('id'),
            # The year as text: shown as 2025, not 2 025.
            Cast(Cast(year, 'INTEGER'), 'VARCHAR').as_('year'),
            Sum(donation.amount).as_('amount'),
            Count(donation.id).as_('gifts'),
            Count(donation.party, distinct=True).as_('donors'),
            where=_validated(donation),
            group_by=[year])

    @classmethod
    def get_retention(cls, records, names):
        "The donors of every year, compared with those of the years before."
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        year = Cast(Extract('YEAR', donation.date), 'INTEGER')
        cursor = Transaction().connection.cursor()
        cursor.execute(*donation.select(year, donation.party,
                where=_validated(donation),
                group_by=[year, donation.party]))
        donors = defaultdict(set)
        for donor_year, party in cursor:
            donors[int(donor_year)].add(party)
        result = {name: {} for name in names}
        for record in records:
            current = int(record.year)
            before = donors.get(current - 1, set())
            earlier = set().union(
                *(p for y, p in donors.items() if y < current))
            retained = donors[current] & before
            values = {
                'new_donors': len(donors[current] - earlier),
                'retained_donors': len(retained),
                'retention': (100 * len(retained) / len(before)
                    if before else None),
                }
            for name in names:
                result[name][record.id] = values[name]
        return result
