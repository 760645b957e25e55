"Business errors of connexion_marketing."
from trytond.model.exceptions import ValidationError


class CampaignContentError(ValidationError):
    """A campaign targets a known consent purpose and its template renders:
    nothing half-built is sent."""
