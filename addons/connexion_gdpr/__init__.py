# Connexion: association management on Tryton.
"""GDPR by design (register, consents, rights, retention) and e-mail campaigns.

A module of its own rather than part of connexion_asso: campaigns pull
marketing_email, which the base module must not
depend on, and it keeps the GDPR work apart from the base module's own
changes. The consent records themselves live in connexion_asso (shared with
the portal); this module builds on them.
"""

from . import routes  # noqa: F401,E402  (public pages of the e-mails)
