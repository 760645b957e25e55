"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests: keeps
what it accepts, and can refuse everything after a number of messages (a
server failing in the middle of a sending)."""
import email
import socket
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from trytond.config import config

from .tools import LEGAL_ASSOCIATION


class Mailbox:
    "Messages accepted; refuse_after: answer 451 once that many accepted."

    def __init__(self, refuse_after=None):
        self.received = []
        self.refuse_after = refuse_after

    async def handle_DATA(self, server, session, envelope):
        if (self.refuse_after is not None
                and len(self.received) >= self.refuse_after):
            return '451 Local error in processing'
        self.received.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return '250 Message accepted for delivery'


@contextmanager
def loopback_smtp(mailbox):
    "Serve mailbox on a free loopback port, set as trytond's [email] uri."
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname='127.0.0.1', port=port)
    controller.start()
    previous = config.get('email', 'uri')
    config.set('email', 'uri', f'smtp://127.0.0.1:{port}')
    try:
        yield mailbox
    finally:
        config.set('email', 'uri', previous)
        controller.stop()


def legal_association(**values):
    """The association with everything a valid tax receipt prints (general
    interest, address, purpose, signatory); values override."""
    from trytond.pool import Pool
    Association = Pool().get('connexion.association')
    association = Association.get_singleton() or Association(name="x")
    for name, value in dict(LEGAL_ASSOCIATION, **values).items():
        setattr(association, name, value)
    association.save()
    return association


def donor_address(street="1 rue Haute", postal_code='21000', city="Dijon"):
    "The create value of a complete French postal address."
    return [('create', [{'street': street, 'postal_code': postal_code,
                    'city': city}])]
