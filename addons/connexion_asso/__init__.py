# Connexion: association management on Tryton.
"""Base module of Connexion: the association itself and its teams."""
# The volunteer portal's routes register themselves on trytond's app, as
# the web client's corrections (custom.js).
from . import portal, portal_routes, sqlite_unaccent, web_client

__all__ = [portal, portal_routes, web_client]

sqlite_unaccent.install()
