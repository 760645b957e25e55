# Connexion: association management on Tryton.
"""Volunteers: profiles, skills, onboarding, missions and shifts, hours and
their valuation, expenses; and their pages of the volunteer portal."""
# The portal's pages register themselves on trytond's app (connexion_portal).
from . import portal

__all__ = [portal]
