"Business errors of connexion_donation_sepa."
from trytond.exceptions import UserWarning


class DebitsHeldWarning(UserWarning):
    """Direct debits of donors who cannot be pre-notified are held: the
    treasurer confirms generating the others."""
