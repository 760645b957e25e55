"Business errors of connexion_account_asso."
from trytond.model.exceptions import ValidationError


class FECRefusedError(ValidationError):
    """The FEC would be wrong (opening balances of a year still open, no
    SIREN for its name, a character its encoding lacks): not produced."""


class CERRuleError(ValidationError):
    """A CER rule puts expenses under a destination and resources under an
    origin: the other way round the CER would be wrong."""


class ValuationError(ValidationError):
    """Volunteer time is posted once its year is over, in an open fiscal
    year, to the 86/87 accounts, and the posted entry stays as proof."""
