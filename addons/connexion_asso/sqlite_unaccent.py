"""Accent-insensitive searches on SQLite, as on PostgreSQL.

Tryton searches a Char field with ``ilike`` through
``Transaction().database.unaccent()``, which only its PostgreSQL backend
implements (with the ``unaccent`` extension). The demo and a small
association run on SQLite: there "Francoise" would not find "Françoise".
Tryton has no extension point for a backend, so this module gives SQLite's
``Database`` the two methods Char fields call, and its connection an
``unaccent`` SQL function (the accents stripped, as
duplicate.strip_accents does). SQLite's LIKE then ignores the case of what is
left (ASCII letters)."""
from sql.functions import Function

from trytond import backend

from .duplicate import strip_accents


class Unaccent(Function):
    __slots__ = ()
    _function = 'unaccent'


def _unaccent(value):
    return strip_accents(value) if isinstance(value, str) else value


def _sql_unaccent(self, value):
    """The unaccent() SQL expression of value, the function registered on
    the connection first (a connection opened before this module was
    loaded has not got it)."""
    connection = self._conn
    if connection is not None and not getattr(
            connection, 'connexion_unaccent', False):
        connection.create_function(
            'unaccent', 1, _unaccent, deterministic=True)
        connection.connexion_unaccent = True
    return Unaccent(value)


def install():
    "Give the SQLite backend unaccent (once, when the module is loaded)."
    if backend.name != 'sqlite':
        return
    Database = backend.Database
    Database.has_unaccent = lambda self: True
    Database.unaccent = _sql_unaccent
