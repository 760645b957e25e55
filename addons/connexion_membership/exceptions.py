"Business errors of connexion_membership."
from trytond.model.exceptions import ValidationError


class MembershipTypeError(ValidationError):
    "A membership type has a positive fee and a duration."


class MembershipPaymentError(ValidationError):
    "A paid fee says how it was paid."


class WithdrawalError(ValidationError):
    "A member's withdrawal is recorded with its reason."
