"""The tests' SMTP servers on loopback (aiosmtpd): a sink that can be killed
mid-way, a catcher of raw messages for the servers the tests start, and the
PIPELINING answer to EHLO they share with the crash tests' sink."""
import asyncio
import email
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from trytond.config import config

from .server import free_port


class Pipelining:
    """Advertises PIPELINING (RFC 2920) like the usual MTAs, unless told not
    to: aiosmtpd reads pipelined commands one after the other."""
    pipelining = True

    async def handle_EHLO(self, server, session, envelope, hostname,
            responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, '250-PIPELINING')
        return responses


class Sink(Pipelining):
    "Keeps every message; dies (closes everything) after kill_after."

    def __init__(self, kill_after=None, pipelining=True):
        self.messages = []
        self.kill_after = kill_after
        self.pipelining = pipelining
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        if self.kill_after and len(self.messages) >= self.kill_after:
            asyncio.get_running_loop().call_soon(self._kill, server)
        return '250 OK'

    def _kill(self, server):
        self.controller.server.close()
        server.transport.close()


class Catcher:
    "Appends the raw bytes of every message to mails."

    def __init__(self, mails):
        self.mails = mails

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(envelope.content)
        return '250 OK'


def loopback(handler, port=None):
    """Start an SMTP server of handler on loopback (stopped by its stop());
    for a server the test starts, its port in that server's configuration."""
    controller = Controller(
        handler, hostname='127.0.0.1', port=port or free_port())
    controller.start()
    return controller


@contextmanager
def smtp_server(sink, port=None):
    "Run sink on loopback and point trytond's [email] uri to it."
    controller = sink.controller = loopback(sink, port)
    port = controller.port
    old = config.get('email', 'uri')
    config.set('email', 'uri', f'smtp://127.0.0.1:{port}')
    try:
        yield port
    finally:
        config.set('email', 'uri', old)
        controller.stop()


def outbox_mails(domain=None):
    "The e-mails queued in connexion_asso's outbox, parsed, oldest first."
    import email.policy
    from email import message_from_bytes

    from trytond.pool import Pool
    Message = Pool().get('connexion.outbox.message')
    return [message_from_bytes(m.content, policy=email.policy.default)
        for m in Message.search(domain or [], order=[('id', 'ASC')])]
