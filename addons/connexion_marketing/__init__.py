# Connexion: association management on Tryton.
"""E-mail campaigns and donor automations, filtered by consent.

Built on marketing_email's mailing lists, the consents of connexion_asso
and the erasure of connexion_gdpr (which clears the campaigns' recipients
through this module's extension)."""

from . import routes  # noqa: F401,E402  (public pages of the e-mails)
