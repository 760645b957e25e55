"Business errors of connexion_donation."
from trytond.exceptions import UserError


class ExpenseWaiverDeleteError(UserError):
    "A gift that records a waived expense is cancelled, not deleted."
