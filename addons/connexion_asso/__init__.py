# Connexion: association management on Tryton.
"""Base module of Connexion: the association itself and its teams."""
# The web client's corrections (custom.js) register their routes on
# trytond's app.
from . import sqlite_unaccent, web_client

__all__ = [web_client]

sqlite_unaccent.install()
