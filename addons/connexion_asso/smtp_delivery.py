"""The SMTP side of the outbox (outbox.py): one message handed to the
server in as few round trips as it allows, its end written only once the
hand-over is recorded, and every failure told apart as "not taken" (raised
as smtplib raises it) or "maybe taken" (InDoubt), which the in-doubt rule
needs."""
import email.policy
import functools
import re
import smtplib
import socket
from email.utils import parseaddr

from trytond.sendmail import get_smtp_server


def as_bytes(message):
    """The EmailMessage as the SMTP server takes it: non-ASCII names and
    subjects as encoded words, raw UTF-8 only for an internationalised
    address (RFC 6531, sent with SMTPUTF8)."""
    address = parseaddr(str(message['To'] or ''))[1]
    policy = email.policy.SMTP if address.isascii() else email.policy.SMTPUTF8
    return message.as_bytes(policy=policy)


class InDoubt(Exception):
    """The connection failed after the end of a message was written and
    before the server's answer: it may have been accepted."""


def deliver(server, sender, address, message, before_end=None):
    """server.sendmail(sender, [address], message) in two round trips
    instead of four when the server allows PIPELINING (RFC 2920): MAIL,
    RCPT and DATA are written at once, then their replies read.

    A failure before the end of the message is written means the server
    did not take it (raised as is); a failure after raises InDoubt.
    before_end(wait) says whether what must be recorded before the server
    can take the message is recorded (waiting for it if wait): the end is
    written only then."""
    server.ehlo_or_helo_if_needed()
    options = []
    if not (address.isascii() and sender.isascii()):
        # An internationalised address needs SMTPUTF8 (RFC 6531).
        if not server.has_extn('smtputf8'):
            raise smtplib.SMTPRecipientsRefused({address: (
                        553, b'non-ASCII address and no SMTPUTF8')})
        options = ['SMTPUTF8']
    if not options and server.has_extn('pipelining'):
        server.send(f'MAIL FROM:{_quote(sender)}\r\n'
            f'RCPT TO:{_quote(address)}\r\nDATA\r\n')
        replies = [server.getreply() for _ in range(3)]
    else:
        replies = [server.mail(sender, options), server.rcpt(address)]
        if replies[0][0] == 250 and replies[1][0] in {250, 251}:
            server.putcmd('data')
            replies.append(server.getreply())
        else:
            replies.append((503, b'no valid recipient'))
    (mail_code, mail_msg), (rcpt_code, rcpt_msg), (data_code, data_msg) = (
        replies)
    if data_code == 354 and (mail_code != 250 or rcpt_code not in {250, 251}):
        # A server should refuse DATA without a recipient; if it did not,
        # end the empty message so that the session stays usable.
        server.send(b'.\r\n')
        server.getreply()
        data_code = 503
    if data_code != 354:
        server.rset()
        if mail_code != 250:
            raise smtplib.SMTPSenderRefused(mail_code, mail_msg, sender)
        if rcpt_code not in {250, 251}:
            raise smtplib.SMTPRecipientsRefused(
                {address: (rcpt_code, rcpt_msg)})
        raise smtplib.SMTPDataError(data_code, data_msg)
    # Dot-stuffing (RFC 5321 4.5.2), skipped when no line starts with a
    # dot (base64 bodies never do): the search costs a tenth of the regex.
    data = (_DOT.sub(b'..', message)
        if message.startswith(b'.') or b'\n.' in message else message)
    if not data.endswith(b'\r\n'):
        data += b'\r\n'
    if before_end is not None and not before_end(False):
        # Not recorded yet: the body now, its end once recorded.
        server.send(data)
        before_end(True)
        data = b''
    try:
        server.send(data + b'.\r\n')
        code, msg = server.getreply()
    except (smtplib.SMTPException, OSError) as exception:
        raise InDoubt(str(exception) or repr(exception)) from exception
    if code != 250:
        server.rset()
        raise smtplib.SMTPDataError(code, msg)


_DOT = re.compile(br'(?m)^\.')


_PLAIN = re.compile(r'[^\s<>()",;:\\\[\]@]+@[^\s<>()",;:\\\[\]@]+')


def _quote(address):
    """smtplib.quoteaddr for a plain address without its parsing, a tenth
    of the CPU of a message otherwise; the others (the sender's « Name
    <address> », the same for every message) parsed once."""
    if _PLAIN.fullmatch(address):
        return f'<{address}>'
    return _quoteaddr(address)


_quoteaddr = functools.lru_cache(maxsize=64)(smtplib.quoteaddr)


def connect():
    """An SMTP connection that writes the end of a message at once: it is
    written apart, after the hand-over is recorded, and Nagle's algorithm
    would hold it until the server acknowledges the body."""
    server = get_smtp_server(strict=True)
    sock = getattr(server, 'sock', None)
    if sock is not None and sock.family in {socket.AF_INET, socket.AF_INET6}:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return server


def permanent(refusal):
    "Whether the server refused the recipient for good (5xx)."
    return all(code >= 500 for code, _ in refusal.recipients.values())
