"""The product's one public address, for every absolute URL it sends.

Links that leave the server (password reset and campaign e-mails,
unsubscribe and preference pages, tracking, calendar feeds) must name the
address the association publishes, never the ``Host`` header of the request
that caused them: anybody can forge it, and a reset link to an attacker's
site is a stolen account. trytond's own ``trytond.url.http_host`` takes the
request's host when there is one, so it is not used either. Set it in
trytond.conf (a path after the host is kept, for a portal served under a
prefix by the reverse proxy)::

    [connexion]
    public_url = https://benevoles.example.org

Unset, it is ``http://`` and ``[web] listen`` (a wildcard address read as
localhost): right for the demo and the tests, which are reached on the
machine itself, never for production (a warning is logged once).
"""
import logging
import urllib.parse

from trytond.config import config

logger = logging.getLogger(__name__)
_warned = []


def public_url():
    "The configured public base URL, without a trailing slash."
    url = config.get('connexion', 'public_url', default='').strip()
    if url:
        return url.rstrip('/')
    listen = config.get('web', 'listen', default='localhost:8000')
    host, _, port = listen.rpartition(':')
    if host in {'', '0.0.0.0', '::', '[::]'}:
        host = 'localhost'
    if not _warned:
        _warned.append(True)
        logger.warning("[connexion] public_url is not set: links sent by "
            "e-mail will name http://%s:%s", host, port)
    return f'http://{host}:{port}'


def absolute_url(path):
    "The public URL of path (an absolute path on this server, quoted)."
    return public_url() + path


def public_host():
    "The public host name (e.g. for calendar UIDs)."
    return urllib.parse.urlsplit(public_url()).hostname or 'localhost'


def is_secure():
    "Whether the public address is HTTPS: cookies must then be Secure."
    return public_url().lower().startswith('https:')
