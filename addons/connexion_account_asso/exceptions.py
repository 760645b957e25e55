"Business errors of connexion_account_asso."
from trytond.model.exceptions import ValidationError


class FECRefusedError(ValidationError):
    """The FEC would be wrong (opening balances of a year still open, no
    SIREN for its name, a character its encoding lacks): not produced."""
