"""The gifts a tax receipt covers: the link to their receipt, the button
that issues one per gift, and the lock of a receipted gift."""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval

from .exceptions import ReceiptedError


class ReceiptedMixin:
    """A gift or a fee listed by an issued tax receipt is frozen (but for
    _receipt_unlocked_fields, connexion_donation's hook) and cancelled only
    once its receipt is. Mixed into the extension of each receipted model
    (which defines its `receipt` field)."""
    __slots__ = ()

    @property
    def receipted(self):
        return bool(self.receipt and self.receipt.state == 'issued')

    @classmethod
    def _receipt_unlocked_fields(cls):
        "Issuing and cancelling a receipt link and unlink the record."
        return super()._receipt_unlocked_fields() | {'receipt'}

    @classmethod
    def _transition_fields(cls):
        "Receipts list the record."
        return super()._transition_fields() | {'receipt'}

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and set(values) - cls._receipt_unlocked_fields():
            for record in records:
                if record.receipted:
                    raise ReceiptedError(record.workflow_message(
                            'locked', receipt=record.receipt.number))

    @classmethod
    def check_cancel(cls, records):
        super().check_cancel(records)
        for record in records:
            if record.receipted:
                raise ReceiptedError(record.workflow_message(
                        'cancel_receipted', receipt=record.receipt.number))


class Donation(ReceiptedMixin, metaclass=PoolMeta):
    __name__ = 'connexion.donation'

    receipt = fields.Many2One(
        'connexion.donation.receipt', "Tax Receipt", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'issue_receipt': {
                    'invisible': ((Eval('state') != 'validated')
                        | Bool(Eval('receipt'))),
                    'depends': ['state', 'receipt'],
                    },
                })

    def workflow_message(self, name, **kwargs):
        "The texts of the receipt's lock are this module's."
        if name in {'locked', 'cancel_receipted'}:
            return gettext(f'connexion_tax_receipt.msg_donation_{name}',
                donation=self.rec_name, **kwargs)
        return super().workflow_message(name, **kwargs)

    @classmethod
    @ModelView.button
    def issue_receipt(cls, donations):
        "One receipt per gift (donors who asked for a receipt per gift)."
        Receipt = Pool().get('connexion.donation.receipt')
        Receipt.issue([[d] for d in donations], kind='gift')
