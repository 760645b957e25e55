"Business errors of connexion_import."
from trytond.exceptions import UserError


class ImportFileError(UserError):
    """A file that cannot be imported at all (unreadable, empty, corrupt):
    nothing of it was written."""
