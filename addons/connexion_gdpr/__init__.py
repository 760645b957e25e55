# Connexion: association management on Tryton.
"""GDPR by design: the register of processings, the rights of access and
erasure, retention and the health data access log.

The consent records themselves live in connexion_asso (shared with the
portal); this module builds on them. The e-mail campaigns that rely on
them are connexion_marketing's."""
