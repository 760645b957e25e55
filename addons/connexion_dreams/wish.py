"""The wishes a child names (up to three) and the one chosen."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields

from .exceptions import WishesError

CATEGORIES = [
    ('be', "To Be"),
    ('have', "To Have"),
    ('go', "To Go"),
    ('meet', "To Meet"),
    ('give', "To Give"),
    ]


class Wish(ModelSQL, ModelView):
    __name__ = 'connexion.dream.wish'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    rank = fields.Integer(
        "Rank", required=True,
        domain=[('rank', '>=', 1), ('rank', '<=', 3)],
        help="1 for the wish the child prefers.")
    category = fields.Selection(CATEGORIES, "Category", required=True)
    description = fields.Char("Description", required=True)
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('dream_rank_unique', Unique(t, t.dream, t.rank),
                'connexion_dreams.msg_wish_rank_unique'),
            ]
        cls._order = [('dream', 'ASC'), ('rank', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return self.description

    @classmethod
    def validate_fields(cls, wishes, field_names):
        "A child names at most three wishes."
        super().validate_fields(wishes, field_names)
        for dream in {w.dream for w in wishes}:
            if len(dream.wishes) > 3:
                raise WishesError(gettext(
                        'connexion_dreams.msg_dream_three_wishes',
                        dream=dream.rec_name))
