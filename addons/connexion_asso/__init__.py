# Connexion: association management on Tryton.
"""Base module of Connexion: the association itself and its teams."""
# The volunteer portal's routes register themselves on trytond's app.
from . import portal, portal_routes

__all__ = [portal, portal_routes]
