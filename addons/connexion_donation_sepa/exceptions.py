"Business errors of connexion_donation_sepa."
from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError


class DebitsHeldWarning(UserWarning):
    """Direct debits of donors who cannot be pre-notified are held: the
    treasurer confirms generating the others."""


class PlanError(ValidationError):
    """A recurring gift is debited under a valid mandate, from a configured
    journal, with the pre-notice the rules require, when a debit is due."""
