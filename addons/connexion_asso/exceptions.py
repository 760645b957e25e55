"Business errors of connexion_asso."
from trytond.model.exceptions import AccessError


class WorkflowFieldError(AccessError):
    "A client tried to set a field that only a workflow step may set."
