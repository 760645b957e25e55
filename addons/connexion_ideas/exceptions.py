"Business errors of connexion_ideas."
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class IdeaAnonymityError(UserError):
    """An idea sent anonymously stays anonymous, and a signed one signed:
    its author chose when sending it."""


class IdeaAuthorError(ValidationError):
    "An anonymous idea has no author: nothing may tie it to a person."


class IdeaAnswerError(UserError):
    """An idea is closed with a public answer to its author, and a duplicate
    names the idea it repeats."""


class VoteError(ValidationError):
    "Votes are for open ideas, and not for one's own."
