"""The donor's side of the tax receipts: when they want one, the legal form
a company's receipt prints, the receipts issued to them; kept on erasure as
the law requires, merged with the duplicate."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    legal_form = fields.Char(
        "Legal Form",
        states={'invisible': Eval('donor_type') != 'company'},
        help="Of a company donor (SA, SARL, SAS, EURL...): printed on its "
        "tax receipt with its SIREN (identifiers).")
    receipt_preference = fields.Selection([
            ('gift', "Per Gift"),
            ('annual', "Annual"),
            ('none', "None"),
            ], "Tax Receipts", help="When the donor wants a tax receipt.")
    tax_receipts = fields.One2Many(
        'connexion.donation.receipt', 'party', "Tax Receipts", readonly=True,
        help="The receipts issued to the donor, cancelled ones included.")

    @classmethod
    def default_receipt_preference(cls):
        return 'annual'


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.donation.receipt', 'party'),
            ]


class Erase(metaclass=PoolMeta):
    """Erasing a donor: the issued receipts stay as the law requires (6
    years, LPF L102 B), none is issued any more."""
    __name__ = 'party.erase'

    def to_keep(self, party_id):
        Receipt = Pool().get('connexion.donation.receipt')
        return super().to_keep(party_id) + [
            (Receipt, [('party', '=', party_id)],
                gettext('connexion_tax_receipt.msg_kept_receipts')),
            ]

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        Receipt = pool.get('connexion.donation.receipt')
        to_erase = super().to_erase(party_id)
        to_erase.extend([
                # No receipt is issued to an erased person any more (the
                # yearly generation skips 'none').
                (Party, [('id', '=', party_id)], False,
                    ['receipt_preference'], ['none']),
                # The issued receipt keeps the document's data, donor name
                # and address included: see to_keep. How it was e-mailed is
                # not part of it.
                (Receipt, [('party', '=', party_id)], True,
                    ['email_address', 'email_error'], [None, None]),
                ])
        return to_erase
