"""Donor settings on the party: which receipt form and how often."""
from trytond.model import fields
from trytond.pool import PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    donor_type = fields.Selection([
            ('individual', "Individual"),
            ('company', "Company"),
            ], "Donor Type",
        help="Individuals get a CERFA 11580 receipt, companies a CERFA 16216.")
    receipt_preference = fields.Selection([
            ('gift', "Per Gift"),
            ('annual', "Annual"),
            ('none', "None"),
            ], "Tax Receipts", help="When the donor wants a tax receipt.")
    donations = fields.One2Many(
        'connexion.donation', 'party', "Donations", readonly=True)

    @classmethod
    def default_donor_type(cls):
        return 'individual'

    @classmethod
    def default_receipt_preference(cls):
        return 'annual'
