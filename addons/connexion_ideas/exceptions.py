"Business errors of connexion_ideas."
from trytond.exceptions import UserError


class IdeaAnonymityError(UserError):
    """An idea sent anonymously stays anonymous, and a signed one signed:
    its author chose when sending it."""
