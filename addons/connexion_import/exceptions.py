"Business errors of connexion_import."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ImportFileError(UserError):
    """A file that cannot be imported at all (unreadable, empty, corrupt):
    nothing of it was written."""


class ProfileError(ValidationError):
    "An import profile targets an entity whose module is activated."
