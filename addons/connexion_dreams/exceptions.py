"Business errors of connexion_dreams."
from trytond.exceptions import UserError


class DreamClosedError(UserError):
    """A closed, refused or cancelled dream is kept as it was (the history
    of the association's work)."""
