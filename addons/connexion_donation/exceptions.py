"Business errors of connexion_donation."
from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError


class ReceiptRefusedError(ValidationError):
    """A tax receipt would be irregular (art. 1740 A CGI): nothing is
    issued, the message names what is missing."""


class ReceiptCancelError(ValidationError):
    "A receipt is cancelled or replaced only with the reason written."


class FECRefusedError(ValidationError):
    """The FEC would be wrong (opening balances of a year still open, no
    SIREN for its name, a character its encoding lacks): not produced."""


class DebitsHeldWarning(UserWarning):
    """Direct debits of donors who cannot be pre-notified are held: the
    treasurer confirms generating the others."""
