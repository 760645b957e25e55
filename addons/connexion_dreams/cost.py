"""What a dream costs, and what partners give to it in kind."""
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool


class Cost(ModelSQL, ModelView):
    __name__ = 'connexion.dream.cost'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    description = fields.Char("Description", required=True)
    supplier = fields.Many2One('party.party', "Supplier", ondelete='RESTRICT')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>=', 0)])

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    def get_currency(self, name):
        return self.dream.currency.id if self.dream.currency else None


class Contribution(ModelSQL, ModelView):
    __name__ = 'connexion.dream.contribution'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Partner", required=True, ondelete='RESTRICT',
        help="The company that gives goods or services.")
    description = fields.Char("Description", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    amount = Monetary(
        "Valued Amount", currency='currency', digits='currency',
        required=True, domain=[('amount', '>=', 0)],
        help="The value the partner gives to the contribution.")

    def get_currency(self, name):
        return self.dream.currency.id if self.dream.currency else None
