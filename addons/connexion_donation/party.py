"""Donor settings and history on the party: the kind of donor, what they
gave (totals, first and last gift, per year) and whether they lapsed
(LYBUNT / SYBUNT, the usual fundraising segments)."""
import datetime as dt

from sql import Cast, Literal
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case
from sql.functions import Extract

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, inactive_records


def _validated(donation):
    "Validated gifts (of the current company when there is one)."
    where = donation.state == 'validated'
    company = Transaction().context.get('company')
    if company is not None and company >= 0:
        where &= donation.company == company
    return where


def _this_year():
    return Pool().get('ir.date').today().year


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    donor_type = fields.Selection([
            ('individual', "Individual"),
            ('company', "Company"),
            ], "Donor Type",
        help="Individuals get a CERFA 11580 receipt, companies a CERFA 16216.")
    donations = fields.One2Many(
        'connexion.donation', 'party', "Donations", readonly=True)
    donation_total = fields.Function(fields.Numeric(
            "Total Given", digits=(16, 2),
            help="Validated gifts, all years."), 'get_donor_stats')
    donation_count = fields.Function(fields.Integer(
            "Number of Gifts"), 'get_donor_stats')
    donation_year_total = fields.Function(fields.Numeric(
            "Given This Year", digits=(16, 2)), 'get_donor_stats')
    first_donation_date = fields.Function(fields.Date(
            "First Gift"), 'get_donor_stats')
    last_donation_date = fields.Function(fields.Date(
            "Last Gift"), 'get_donor_stats')
    lybunt = fields.Function(fields.Boolean(
            "LYBUNT",
            help="Gave last year but not (yet) this year."),
        'get_donor_stats', searcher='search_lapsed')
    sybunt = fields.Function(fields.Boolean(
            "SYBUNT",
            help="Gave some year before last year, "
            "but neither last year nor this year."),
        'get_donor_stats', searcher='search_lapsed')

    @classmethod
    def default_donor_type(cls):
        return 'individual'

    @classmethod
    def _donor_years(cls, donation):
        "Columns: gave this year, last year, before last year (0 or 1)."
        year = Extract('YEAR', donation.date)
        this_year = _this_year()
        return [Max(Case((year == this_year, Literal(1)), else_=Literal(0))),
            Max(Case((year == this_year - 1, Literal(1)),
                    else_=Literal(0))),
            Max(Case((year < this_year - 1, Literal(1)), else_=Literal(0)))]

    @classmethod
    def get_donor_stats(cls, parties, names):
        "All the figures in one query per slice of donors."
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        cursor = Transaction().connection.cursor()
        this_year = _this_year()
        year = Extract('YEAR', donation.date)
        result = {n: {p.id: None for p in parties} for n in names}
        for name in {'donation_count', 'lybunt', 'sybunt'} & set(names):
            result[name] = {p.id: 0 if name == 'donation_count' else False
                for p in parties}
        for sub_ids in grouped_slice(
                [p.id for p in parties], backend.MAX_QUERY_PARAMS):
            cursor.execute(*donation.select(
                    donation.party, Sum(donation.amount),
                    Count(donation.id), Min(donation.date),
                    Max(donation.date),
                    Sum(Case((year == this_year, donation.amount),
                            else_=Literal(0))),
                    *cls._donor_years(donation),
                    where=reduce_ids(donation.party, sub_ids)
                    & _validated(donation),
                    group_by=[donation.party]))
            for (party, total, count, first, last, year_total, this, last_y,
                    before) in cursor:
                values = {
                    'donation_total': total,
                    'donation_count': count,
                    'first_donation_date': first,
                    'last_donation_date': last,
                    'donation_year_total': year_total,
                    'lybunt': bool(last_y and not this),
                    'sybunt': bool(before and not this and not last_y),
                    }
                for name in names:
                    value = values[name]
                    if name in {'first_donation_date', 'last_donation_date'}:
                        value = _to_date(value)
                    result[name][party] = value
        return result

    @classmethod
    def search_lapsed(cls, name, clause):
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        _, operator, value = clause[:3]
        this, last_y, before = cls._donor_years(donation)
        if name == 'lybunt':
            having = (this == 0) & (last_y == 1)
        else:
            having = (this == 0) & (last_y == 0) & (before == 1)
        query = donation.select(donation.party,
            where=_validated(donation), group_by=[donation.party],
            having=having)
        positive = (operator == '=') == bool(value)
        return [('id', 'in' if positive else 'not in', query)]


def _to_date(value):
    "SQLite returns dates of aggregates as text."
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


class DonorYear(ModelSQL, ModelView):
    """Donor Year

    What a donor gave each year (validated gifts)."""
    __name__ = 'connexion.donation.donor_year'

    party = fields.Many2One('party.party', "Donor")
    year = fields.Char("Year")
    amount = fields.Numeric("Amount", digits=(16, 2))
    count = fields.Integer("Number of Gifts")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'DESC'), ('party', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        Donation = Pool().get('connexion.donation')
        donation = Donation.__table__()
        year = Extract('YEAR', donation.date)
        # One id per (donor, year): the year in the low digits.
        return donation.select(
            (donation.party * 10000 + year).as_('id'),
            Min(donation.create_uid).as_('create_uid'),
            Min(donation.create_date).as_('create_date'),
            Max(donation.write_uid).as_('write_uid'),
            Max(donation.write_date).as_('write_date'),
            donation.party.as_('party'),
            _year_text(year).as_('year'),
            Sum(donation.amount).as_('amount'),
            Count(donation.id).as_('count'),
            where=_validated(donation),
            group_by=[donation.party, year])


def _year_text(year):
    "The year as text: shown as 2025, not 2 025."
    return Cast(year, 'VARCHAR')


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.donation', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    """Erasing a donor: the gifts and their moves stay as the law requires,
    without the free texts that name the person (connexion_tax_receipt
    keeps the receipts)."""
    __name__ = 'party.erase'

    def to_keep(self, party_id):
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Line = pool.get('account.move.line')
        accounting = gettext('connexion_donation.msg_kept_accounting')
        return super().to_keep(party_id) + [
            (Donation, [('party', '=', party_id)], accounting),
            (Line, [('party', '=', party_id)], accounting),
            ]

    def to_erase(self, party_id):
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Line = pool.get('account.move.line')
        to_erase = super().to_erase(party_id)
        to_erase.append(
            # Gifts and fees are accounting documents (10 years, Code de
            # commerce L123-22): amounts, dates, nature, the goods given
            # (printed on the receipt) and the cheque number (bank
            # reconciliation) stay; what names the person goes.
            (Donation, [('party', '=', party_id)], True,
                ['check_bank', 'tribute_name', 'notes'], [None, None, None]))
        to_erase.extend(self.posted_moves_to_erase(Donation, party_id))
        # The donor's lines of other moves (their payments) too.
        to_erase.append((Line, [('party', '=', party_id)], False,
                ['description'],
                [gettext('connexion_donation.msg_erased_description')]))
        return to_erase

    def posted_moves_to_erase(self, Model, party_id):
        """The moves posted for the party's records of Model (a
        PostingWorkflowMixin: gifts, fees) stay (10 years) and balanced;
        their labels, the person's name when posted, become a neutral one."""
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        label = gettext('connexion_donation.msg_erased_description')
        with inactive_records():
            records = Model.search([('party', '=', party_id)])
        move_ids = [m.id for r in records for m in [r.move, r.cancel_move]
            if m]
        return [
            (Move, [('id', 'in', move_ids)], False, ['description'], [label]),
            (Line, [('move', 'in', move_ids)], False,
                ['description'], [label]),
            ]
