"""The demo's mail catcher: nothing leaves the machine, everything can be read.

An SMTP server on the loopback (aiosmtpd) accepts every message trytond
sends (password reset links, receipts, campaigns...) and keeps it as an
``.eml`` file in a directory instead of delivering it; each one is announced
on the console with its links. A small web page on another loopback port
lists them and shows each one (text, HTML version, attachments, raw file).

    mail_catcher.py --dir var/mail --smtp-port 0 --web-port 8001 \\
        --ready var/mail/ports

Port 0 takes a free port; once both servers listen, the ports are written to
the --ready file as ``smtp_port web_port``. With --parent PID, the catcher
stops when that process is gone.
"""
import argparse
import asyncio
import email
import email.policy
import html
import http.server
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid

from aiosmtpd.smtp import SMTP

HOST = '127.0.0.1'
NAME = re.compile(r'^[0-9]{8}-[0-9]{6}-[0-9]{6}[0-9a-f]{4}\.eml$')
URL = re.compile(r'https?://[^\s<>"\'»)]+')


def parse(path):
    with open(path, 'rb') as fp:
        return email.message_from_binary_file(fp, policy=email.policy.default)


def text_of(message):
    "The plain text of a message (its HTML reduced to text when it has none)."
    part = message.get_body(preferencelist=('plain',))
    if part is not None:
        return part.get_content()
    part = message.get_body(preferencelist=('html',))
    if part is not None:
        content = part.get_content()
        content = re.sub(r'(?is)<(script|style).*?</\1>', '', content)
        content = re.sub(r'(?i)<a\s[^>]*href="([^"]*)"[^>]*>',
            lambda m: f' {html.unescape(m.group(1))} ', content)
        content = re.sub(r'(?i)<br\s*/?>|</p>|</div>|</h\d>|</li>|</tr>',
            '\n', content)
        content = html.unescape(re.sub(r'<[^>]+>', '', content))
        return re.sub(r'\n\s*\n+', '\n\n', content).strip()
    return ''


def links_of(message):
    "The links of a message, in order, once each."
    found = []
    for url in URL.findall(text_of(message)):
        url = url.rstrip('.,;:')
        if url not in found:
            found.append(url)
    return found


def attachments_of(message):
    return [part for part in message.iter_attachments()]


class Handler:
    "aiosmtpd handler: each message becomes a file in directory."

    # A campaign sends hundreds at once: the console names the first few of
    # a burst, then counts the others.
    burst_size = 5

    def __init__(self, directory, web_url):
        self.directory = directory
        self.web_url = web_url
        self.burst = 0
        self.hidden = 0
        self.timer = None

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode('utf-8', 'surrogateescape')
        # The envelope's recipients (Bcc ones included) head the file.
        header = ''.join(f'X-Delivered-To: {rcpt}\r\n'
            for rcpt in envelope.rcpt_tos)
        # Sorted by name in the order received (microseconds), unique.
        now = time.time()
        name = (time.strftime('%Y%m%d-%H%M%S-', time.localtime(now))
            + f'{int(now * 1e6) % 1000000:06d}' + uuid.uuid4().hex[:4]
            + '.eml')
        path = os.path.join(self.directory, name)
        tmp = os.path.join(self.directory, '.' + name + '.tmp')
        with open(tmp, 'wb') as fp:
            fp.write(header.encode('ascii', 'replace') + content)
        os.replace(tmp, path)
        self.burst += 1
        if self.burst <= self.burst_size:
            self.announce(name, envelope.rcpt_tos)
        else:
            self.hidden += 1
        if self.timer:
            self.timer.cancel()
        self.timer = asyncio.get_running_loop().call_later(2, self.quiet)
        return '250 Message accepted for delivery'

    def quiet(self):
        "The end of a burst: count what was not named."
        if self.hidden:
            print(f"  ✉ … et {self.hidden} autres courriels capturés : "
                f"{self.web_url}", flush=True)
        self.burst = self.hidden = 0
        self.timer = None

    def announce(self, name, recipients):
        try:
            message = parse(os.path.join(self.directory, name))
            subject = str(message.get('Subject', ''))
            links = links_of(message)
        except Exception:  # noqa: BLE001 (a message we cannot read)
            subject, links = '', []
        lines = [f"  ✉ Courriel capturé pour {', '.join(recipients)} : "
            f"« {subject} »"]
        lines += [f"      lien : {url}" for url in links[:3]]
        lines.append(f"      à lire : {self.web_url}m/{name}")
        print('\n'.join(lines), flush=True)


def page(title, body):
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>{html.escape(title)}</title><style>'
        'body{font-family:sans-serif;margin:1em auto;max-width:60em;'
        'padding:0 1em}table{border-collapse:collapse;width:100%}'
        'td,th{border-bottom:1px solid #ccc;padding:.4em;text-align:left;'
        'vertical-align:top}pre{white-space:pre-wrap;background:#f6f6f6;'
        'padding:1em}dt{font-weight:bold}</style></head><body>'
        f'<h1>{html.escape(title)}</h1>{body}</body></html>').encode('utf-8')


def linkify(text):
    out, last = [], 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip('.,;:')
        out.append(html.escape(text[last:match.start()]))
        out.append(f'<a href="{html.escape(url)}">{html.escape(url)}</a>')
        last = match.start() + len(url)
    out.append(html.escape(text[last:]))
    return ''.join(out)


def web_handler(directory):

    class Web(http.server.BaseHTTPRequestHandler):

        def log_message(self, format, *args):
            pass

        def send(self, body, content_type='text/html; charset=utf-8',
                status=200, headers=()):
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            self.send_header('Cache-Control', 'no-store')
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def not_found(self):
            self.send(page("Introuvable", '<p><a href="/">Tous les '
                    'courriels</a></p>'), status=404)

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == '/':
                return self.index()
            parts = path.strip('/').split('/')
            if len(parts) < 2 or parts[0] != 'm':
                return self.not_found()
            name = parts[1]
            if not NAME.match(name) or not os.path.isfile(
                    os.path.join(directory, name)):
                return self.not_found()
            path = os.path.join(directory, name)
            if parts[2:] == ['raw']:
                with open(path, 'rb') as fp:
                    return self.send(fp.read(), 'message/rfc822', headers=[
                            ('Content-Disposition',
                                f'attachment; filename="{name}"')])
            message = parse(path)
            if parts[2:] == ['html']:
                part = message.get_body(preferencelist=('html',))
                if part is None:
                    return self.not_found()
                # Shown as sent, without its scripts or forms acting.
                return self.send(part.get_content().encode('utf-8'),
                    headers=[('Content-Security-Policy', 'sandbox')])
            if len(parts) == 4 and parts[2] == 'part' and parts[3].isdigit():
                attachments = attachments_of(message)
                index = int(parts[3])
                if index >= len(attachments):
                    return self.not_found()
                part = attachments[index]
                filename = (part.get_filename() or f'piece-{index}').replace(
                    '"', '')
                return self.send(part.get_payload(decode=True) or b'',
                    part.get_content_type(), headers=[
                        ('Content-Disposition', 'inline; filename*=UTF-8\'\''
                            + urllib.parse.quote(filename))])
            if len(parts) != 2:
                return self.not_found()
            return self.message(name, message)

        def index(self):
            names = sorted((n for n in os.listdir(directory)
                    if NAME.match(n)), reverse=True)
            rows = []
            for name in names:
                try:
                    message = parse(os.path.join(directory, name))
                except OSError:
                    continue
                to = ', '.join(message.get_all('X-Delivered-To') or [
                        str(message.get('To', ''))])
                subject = str(message.get('Subject', '')) or '(sans objet)'
                rows.append(f'<tr><td>{html.escape(self.when(name))}</td>'
                    f'<td>{html.escape(to)}</td><td><a href="/m/{name}">'
                    f'{html.escape(subject)}</a></td></tr>')
            if rows:
                body = ('<table><thead><tr><th>Reçu le</th><th>Pour</th>'
                    '<th>Objet</th></tr></thead><tbody>' + ''.join(rows)
                    + '</tbody></table>')
            else:
                body = "<p>Aucun courriel pour l'instant.</p>"
            self.send(page("Courriels envoyés par la démonstration",
                    f"<p>{len(rows)} courriel(s) : rien n'est parti de "
                    f"cette machine, tout est ici (fichiers .eml dans "
                    f"{html.escape(directory)}). Rechargez la page pour "
                    f"voir les nouveaux.</p>" + body))

        @staticmethod
        def when(name):
            stamp = name[:15]
            return (f'{stamp[6:8]}/{stamp[4:6]}/{stamp[:4]} '
                f'{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}')

        def message(self, name, message):
            fields = []
            for label, key in [("De", 'From'), ("À", 'To'), ("Cc", 'Cc'),
                    ("Destinataires", 'X-Delivered-To'), ("Date", 'Date'),
                    ("Objet", 'Subject')]:
                values = message.get_all(key) or []
                if values:
                    fields.append(f'<dt>{label}</dt><dd>'
                        f'{html.escape(", ".join(map(str, values)))}</dd>')
            extra = []
            if message.get_body(preferencelist=('html',)) is not None:
                extra.append(f'<a href="/m/{name}/html">Version HTML</a>')
            for i, part in enumerate(attachments_of(message)):
                label = part.get_filename() or f'pièce {i + 1}'
                extra.append(f'<a href="/m/{name}/part/{i}">Pièce jointe : '
                    f'{html.escape(label)}</a>')
            extra.append(f'<a href="/m/{name}/raw">Fichier .eml</a>')
            self.send(page(str(message.get('Subject', '')) or '(sans objet)',
                    '<p><a href="/">← Tous les courriels</a></p>'
                    f'<dl>{"".join(fields)}</dl>'
                    f'<p>{" · ".join(extra)}</p>'
                    f'<pre>{linkify(text_of(message))}</pre>'))

    return Web


def bind(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    return sock


def watch(pid):
    "Stop when the process pid is gone (the demo was stopped)."
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:
            pass
        time.sleep(1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dir', required=True,
        help="where the messages are kept (.eml files)")
    parser.add_argument('--smtp-port', type=int, default=0)
    parser.add_argument('--web-port', type=int, default=0)
    parser.add_argument('--ready', help="file to write the ports to")
    parser.add_argument('--parent', type=int,
        help="stop when this process is gone")
    args = parser.parse_args(argv)
    # A shell starts background jobs with SIGINT ignored, and Python then
    # leaves it so: Ctrl+C (and the tests' stop) would not stop the catcher.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)

    web = http.server.ThreadingHTTPServer((HOST, args.web_port),
        web_handler(directory))
    web.daemon_threads = True
    web_port = web.server_address[1]
    smtp_sock = bind(args.smtp_port)
    smtp_port = smtp_sock.getsockname()[1]
    handler = Handler(directory, f'http://{HOST}:{web_port}/')

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname='localhost',
                data_size_limit=50 * 1024 * 1024, enable_SMTPUTF8=True),
            sock=smtp_sock)
        threading.Thread(target=web.serve_forever, daemon=True).start()
        if args.parent:
            threading.Thread(target=watch, args=(args.parent,),
                daemon=True).start()
        if args.ready:
            tmp = args.ready + '.tmp'
            with open(tmp, 'w') as fp:
                fp.write(f'{smtp_port} {web_port}\n')
            os.replace(tmp, args.ready)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    sys.exit(main())
