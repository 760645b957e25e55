"Business errors of connexion_volunteer."
from trytond.model.exceptions import ValidationError


class OnboardingError(ValidationError):
    "A volunteer becomes active once every onboarding step is done."


class VolunteerStatusError(ValidationError):
    "A volunteer's pause or departure is recorded with its reason."


class MinorsClearanceError(ValidationError):
    """Only a volunteer with a valid criminal-record check meets children
    (safeguarding of minors)."""


class MissionScheduleError(ValidationError):
    "A recurring mission's shifts are planned from its first shift."


class SignupError(ValidationError):
    """A volunteer signs up for an open shift of a mission matching their
    status and skills."""


class HoursError(ValidationError):
    """Volunteer hours are given in the past, on a mission one signed up
    for, valued at a known rate, and kept once validated."""


class ExpenseError(ValidationError):
    """An expense claim has an amount, its receipts, a signed-up mission,
    and stays once handled; a waiver says so in words."""
