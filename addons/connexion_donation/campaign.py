"""Fundraising campaigns and dedicated funds a gift can be allocated to."""
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields


class Campaign(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.donation.campaign'

    name = fields.Char("Name", required=True)
    code = fields.Char("Code")
    start_date = fields.Date("Start Date")
    end_date = fields.Date("End Date")


class Fund(DeactivableMixin, ModelSQL, ModelView):
    """Dedicated fund: gifts made for a given purpose (fonds dédiés,
    accounts 689/789 at year end)."""
    __name__ = 'connexion.donation.fund'

    name = fields.Char("Name", required=True)
    code = fields.Char("Code")
    description = fields.Text("Description")
