"Business errors of connexion_asso."
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.transaction import Transaction


def portal_message(msg_id):
    """msg_id, or on the volunteer portal its variant addressed to the
    volunteer ("vous") that says what to do next (msg_id + '_portal')."""
    if Transaction().context.get('connexion_portal'):
        return msg_id + '_portal'
    return msg_id


class WorkflowFieldError(AccessError):
    "A client tried to set a field that only a workflow step may set."


class WorkflowDeleteError(UserError):
    """A record past its first step is kept: it is cancelled or closed,
    not deleted."""


class ConsentHistoryError(UserError):
    "Consents are a history: a change of mind is recorded as a new consent."


class ConsentPurposeError(UserError):
    "A consent is recorded for a purpose that exists."


class AssociationIdentifierError(ValidationError):
    "The RNA and SIREN numbers are checked: receipts and the FEC print them."


class TeamMemberDatesError(ValidationError):
    "A team membership ends after it starts."
