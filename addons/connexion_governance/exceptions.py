"Business errors of connexion_governance."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class PeriodError(ValidationError):
    "A phase or a project cannot end before it starts."


class CommitteeMinutesError(UserError):
    """A steering committee is held only with its minutes: the decision log
    must say what was decided."""


class SponsorValidationError(UserError):
    """A key decision engages the project's sponsors: only one of them
    validates it."""
