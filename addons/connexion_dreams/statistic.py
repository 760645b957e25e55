"""Lead time of the dreams, per hospital, for the dashboard."""
from sql import Null
from sql.aggregate import Avg, Count, Min

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool


class LeadTime(ModelSQL, ModelView):
    __name__ = 'connexion.dream.lead_time'

    hospital = fields.Many2One('connexion.hospital', "Hospital")
    dreams = fields.Integer("Realised Dreams")
    average = fields.Float(
        "Average Lead Time (days)", digits=(16, 0),
        help="Average days from referral to realisation.")

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
