"Business errors of connexion_gdpr."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class ErasedPartyError(ValidationError):
    "The person's data was erased: nothing new is issued to them."


class EraseConfirmError(UserError):
    "Erasing a person cannot be undone: the user ticks that they know it."


class RetentionRuleError(ValidationError):
    "A retention rule keeps data for a positive number of years."
