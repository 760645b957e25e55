"Business errors of connexion_dreams."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class DreamClosedError(UserError):
    """A closed, refused or cancelled dream is kept as it was (the history
    of the association's work)."""


class DreamStepError(UserError):
    "A dream moves to its next step only with what that step needs."


class EligibilityError(ValidationError):
    "A dream is for a child of the configured ages, seriously ill."


class DreamDatesError(ValidationError):
    """A dream's dates follow its steps: medical approval first, then the
    dream, in order."""


class SecondDreamError(ValidationError):
    "A second dream for the same child is granted only with its reason."


class DreamTeamError(ValidationError):
    "A dream is carried by a pair of volunteers, not more."


class WishesError(ValidationError):
    "A child names three wishes at most."


class ChildBirthDateError(ValidationError):
    "A birth date is not in the future."


class ImageRightsError(ValidationError):
    "A child's photo is kept only with the image-rights consent."


class VisitReportError(UserError):
    "A hospital visit is done once its attendees and report are written."
