"Business errors of connexion_donation."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ExpenseWaiverDeleteError(UserError):
    "A gift that records a waived expense is cancelled, not deleted."


class DonationError(ValidationError):
    "A gift has a positive amount and says how it was paid (cheque number)."


class PostingError(ValidationError):
    "A gift is posted only once its accounts and journal are configured."


class BatchError(ValidationError):
    "A deposit slip's gifts match its announced count, total and method."


class ExpenseWaiverError(ValidationError):
    """An expense waiver (abandon de frais) matches its expense, a charge
    account and the volunteer's signed renunciation."""
