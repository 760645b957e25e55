"""Kill a sending process with SIGKILL in the middle of its sending, then
send again: the harness of the outbox's crash tests (campaigns, receipts).

The SMTP server is aiosmtpd on loopback, in a process of its own (as a real
server is), writing a line for each message it accepted (the recipient and
the Message-ID) before it answers. It can hold its answer to the N-th
MAIL FROM (the message is handed over, never accepted) or to the end of the
N-th message (accepted, the sender not told): the sender is killed while it
waits, the two sides of a hand-over."""
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

from trytond.config import config

from connexion_asso.tests.smtp import free_port

MAIL, DATA = 1, 2

SENDER = '''
import json, sys
from trytond.pool import Pool
from trytond.transaction import Transaction
database, model, method, ids, context = sys.argv[1:6]
pool = Pool(database)
with Transaction().start(database, 0, readonly=True):
    pool.init()
with Transaction().start(database, 0, context=json.loads(context)):
    Model = pool.get(model)
    getattr(Model, method)(Model.browse(json.loads(ids)))
# The tasks it queued (the next chunks), as trytond runs them after a
# request without [queue] worker.
from trytond.worker import run_task
while Transaction().tasks:
    run_task(pool, Transaction().tasks.pop())
'''


def _serve(port, path, counts, hold_kind, hold_at, held, release, ready):
    import asyncio
    from email.parser import BytesHeaderParser

    from connexion_asso.tests.smtp import Pipelining, loopback

    async def hold():
        held.set()
        while not release.is_set():
            await asyncio.sleep(0.01)

    class Handler(Pipelining):

        async def handle_MAIL(self, server, session, envelope, address,
                mail_options):
            counts[MAIL] += 1
            if hold_kind.value == MAIL and counts[MAIL] == hold_at.value:
                await hold()
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return '250 OK'

        async def handle_DATA(self, server, session, envelope):
            headers = BytesHeaderParser().parsebytes(envelope.content)
            with open(path, 'a') as fp:
                fp.write(json.dumps(
                        [envelope.rcpt_tos[0], headers['Message-ID']]) + '\n')
            counts[DATA] += 1
            if hold_kind.value == DATA and counts[DATA] == hold_at.value:
                await hold()
            return '250 OK'

    loopback(Handler(), port)
    ready.set()
    while True:
        time.sleep(3600)


class Sink:
    "The SMTP server, in a process of its own."

    def __init__(self, path):
        self.path = path
        self.port = free_port()
        # The MAIL and DATA commands answered so far (index 1, 2).
        self.counts = multiprocessing.Array('i', 3)
        self.hold_kind = multiprocessing.Value('i', 0)
        self.hold_at = multiprocessing.Value('i', 0)
        self.held = multiprocessing.Event()
        self.release = multiprocessing.Event()
        ready = multiprocessing.Event()
        self.process = multiprocessing.Process(target=_serve, args=(
                self.port, path, self.counts, self.hold_kind, self.hold_at, self.held,
                self.release, ready), daemon=True)
        self.process.start()
        ready.wait(30)

    def hold(self, kind, at):
        "Hold the answer to the at-th MAIL or DATA from now on."
        self.held.clear()
        self.release.clear()
        self.hold_kind.value = kind
        self.hold_at.value = self.counts[kind] + at if kind else 0

    def received(self):
        "[(recipient, Message-ID)] in the order accepted."
        if not os.path.exists(self.path):
            return []
        with open(self.path) as fp:
            return [tuple(json.loads(line)) for line in fp if line.strip()]

    def stop(self):
        self.release.set()
        self.process.kill()
        self.process.join()


class Sender:
    "Model.method(records) in a process of its own, on the test database."

    def __init__(self, database, model, method, ids, context, port,
            connections):
        env = dict(os.environ,
            TRYTOND_DATABASE__URI=config.get('database', 'uri'),
            TRYTOND_EMAIL__URI=f'smtp://127.0.0.1:{port}',
            TRYTOND_CONNEXION__SMTP_CONNECTIONS=str(connections))
        self.process = subprocess.Popen([sys.executable, '-c', SENDER,
                database, model, method, json.dumps(ids),
                json.dumps(context)], env=env)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def wait(self, timeout=300):
        return self.process.wait(timeout)


def kill_when(sink, sender, condition, timeout=120):
    """SIGKILL the sender as soon as condition() holds (polled); return
    whether it held before the sender ended by itself."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            sender.kill()
            sink.release.set()
            return True
        if sender.process.poll() is not None:
            return False
        time.sleep(0.005)
    sender.kill()
    raise AssertionError("the sending never reached the kill point")


class CrashTestMixin:
    """The sink of each test (PostgreSQL only: the outbox's own connections
    are what is tested), the kills and the checks of what was received."""

    def setUp(self):
        import tempfile

        from trytond import backend
        super().setUp()
        if backend.name != 'postgresql':
            self.skipTest("the outbox's own connections need PostgreSQL")
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.sink = Sink(os.path.join(directory.name, 'received'))
        self.addCleanup(self.sink.stop)

    def kill_and_resume(self, sender, points):
        """For each (MAIL or DATA or None, n) of points, start sender() and
        kill it when the sink holds its answer to the n-th command from now
        (None: once n messages were received in all); then let a last
        sender() finish. Return the number of kills."""
        sink = self.sink
        for kind, at in points:
            before = len(sink.received())
            if kind:
                sink.hold(kind, at)
                condition = sink.held.is_set
            else:
                sink.hold(0, 0)
                condition = (lambda: len(sink.received()) >= at)
            self.assertTrue(kill_when(sink, sender(), condition),
                "the sending ended before the kill")
            self.assertGreater(len(sink.received()), before)
        sink.hold(0, 0)
        self.assertEqual(sender().wait(), 0)
        return len(points)

    def assert_each_once(self, addresses, kills, connections):
        """Everybody received it; the only copies are the messages in
        flight at the kills (one per connection at most), each with the
        Message-ID of its first copy (mail clients fold it)."""
        from collections import defaultdict
        count, copies = defaultdict(int), defaultdict(set)
        for address, message_id in self.sink.received():
            count[address] += 1
            copies[address].add(message_id)
        self.assertEqual(set(count), set(addresses))
        twice = sum(n - 1 for n in count.values())
        self.assertLessEqual(twice, kills * connections, twice)
        self.assertEqual([a for a, ids in copies.items() if len(ids) > 1], [])
        # The message held at the end of DATA was accepted before the kill:
        # sent again (the sender could not know), same Message-ID.
        self.assertGreaterEqual(twice, 1)
