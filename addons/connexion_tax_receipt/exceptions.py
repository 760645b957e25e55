"Business errors of connexion_tax_receipt."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ReceiptRefusedError(ValidationError):
    """A tax receipt would be irregular (art. 1740 A CGI): nothing is
    issued, the message names what is missing."""


class ReceiptCancelError(ValidationError):
    "A receipt is cancelled or replaced only with the reason written."


class ReceiptFrozenError(UserError):
    """An issued tax receipt is never changed, deleted nor copied: it is
    cancelled and replaced."""


class ReceiptedError(UserError):
    """A gift or a fee covered by an issued tax receipt stays as receipted
    until the receipt is cancelled."""


class ReceiptEmailError(ValidationError):
    "Receipts are e-mailed only to donors who chose e-mail and have one."
