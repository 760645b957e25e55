from trytond.model.exceptions import ValidationError


class ErasedPartyError(ValidationError):
    "The person's data was erased: nothing new is issued to them."
