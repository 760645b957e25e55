# Connexion: association management on Tryton.
"""The volunteer portal's framework: layout, session, CSRF, login and
password reset, the home page; each module adds its own pages."""
# The portal's routes register themselves on trytond's app when the module
# is imported, as marketing_email's.
from . import portal, portal_routes

__all__ = [portal, portal_routes]
