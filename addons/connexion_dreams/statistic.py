"""Lead time of the dreams, per hospital, and dreams realised per year, for
the dashboards."""
from sql import Cast, Null
from sql.aggregate import Avg, Count, Min
from sql.functions import Extract

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool

from .dream import GRANTED_STATES


class RealisedMixin:
    "What both statistics count: the realised dreams and their lead time."
    __slots__ = ()
    dreams = fields.Integer("Realised Dreams")
    average = fields.Float(
        "Average Lead Time (days)", digits=(16, 0),
        help="Average days from referral to realisation.")


class LeadTime(RealisedMixin, ModelSQL, ModelView):
    __name__ = 'connexion.dream.lead_time'

    hospital = fields.Many2One('connexion.hospital', "Hospital")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('average', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Dream = pool.get('connexion.dream')
        dream = Dream.__table__()
        return dream.select(
            Min(dream.id).as_('id'),
            dream.hospital.as_('hospital'),
            Count(dream.id).as_('dreams'),
            Avg(dream.lead_time).as_('average'),
            where=dream.lead_time != Null,
            group_by=[dream.hospital])


class DreamYear(RealisedMixin, ModelSQL, ModelView):
    "Dreams granted (realised, followed up or closed) by year of realisation."
    __name__ = 'connexion.dream.year'

    year = fields.Char("Year")
    children = fields.Integer("Children")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Dream = pool.get('connexion.dream')
        dream = Dream.__table__()
        year = Extract('YEAR', dream.realisation_date)
        return dream.select(
            Min(dream.id).as_('id'),
            # The year as text: shown as 2025, not 2 025.
            Cast(Cast(year, 'INTEGER'), 'VARCHAR').as_('year'),
            Count(dream.id).as_('dreams'),
            Count(dream.child, distinct=True).as_('children'),
            Avg(dream.lead_time).as_('average'),
            where=(dream.realisation_date != Null)
            & dream.state.in_(GRANTED_STATES),
            group_by=[year])
