# Connexion: association management on Tryton.
"""Data migration: import of contacts, volunteers, donations and members."""
