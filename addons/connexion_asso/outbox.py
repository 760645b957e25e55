"""The one way out of the e-mails the product sends in bulk (campaigns and
automations, tax receipts): a crash-safe hand-over to the SMTP server.

Each message is a row of its source (a campaign recipient, a receipt) whose
state column walks:

    pending --(committed before the SMTP hand-over)--> handed
    handed  --(committed after the server said 250)--> sent
    handed  --(the server refused the recipient)-----> failed

Every SMTP connection records its messages one at a time, in autocommit
statements of its own database connection: "the previous message was
accepted, this one is being handed over" is one committed statement, made
before the message leaves. So a crash at any instruction (SIGKILL, power
cut, deployment) leaves at most one row per SMTP connection in the
``handed`` state whose fate is unknown: the server may or may not have
accepted it.

The in-doubt rule: when a sending starts again, the ``handed`` rows are sent
again, with the same ``Message-ID`` (derived from the row, never random):
the donor's mail client folds the copy, if the first one arrived. A sending
never sends a row twice by itself: only one sender works on a source at a
time (a PostgreSQL session lock, released by the server when the sender's
connection dies), and it skips the rows already sent.

The hand-over is committed before the end of the message (the final dot)
is written: an SMTP server takes nothing whose end it did not receive, so
the statement's round trip overlaps the MAIL/RCPT/DATA exchange
(smtp_delivery.py: the SMTP exchange of one message). The
statements are committed without waiting for the disk
(synchronous_commit off): a killed sender loses nothing, a crash of the
database server itself may forget its last fraction of a second, whose
messages are then sent again with their same Message-ID. [connexion]
outbox_synchronous_commit = True waits for the disk instead (slower).

Where it runs: in tasks of ir.queue (trytond-worker), never in a button or a
wizard, which only queue the sending (``__queue__``) and return. A task
claims its source, sends a chunk of its rows (send_rows) and queues the next
chunk as a task of its own; the cron resumes what an SMTP failure or a crash
stopped. On PostgreSQL a task commits nothing: the rows' states are written
by the outbox's own connections only (the task's transaction must not write
them: its row locks would hold them), and the rows still to send are read on
the claim's connection (to_send), which sees what another sender committed
after the task's snapshot was taken; trytond-worker commits the task's
transaction (what it wrote besides, and the next task) when it ends. A
failure after some messages left (the task retried by the worker, or
killed) loses nothing: the next run skips what is sent. On SQLite (the demo
and the tests, one writer), the outbox writes on the task's own connection
and commits the task's connection at each message: a hand-over is
recorded only once committed.
"""
import datetime as dt
import hashlib
import queue
import select
import smtplib
import threading
from contextlib import contextmanager

from sql import Flavor

import trytond.config as config
from trytond.transaction import Transaction

from .smtp_delivery import InDoubt, connect, deliver, permanent

STATES = ['pending', 'handed', 'sent', 'failed']
# Rows a sending picks up: the never handed over and those in doubt.
TO_SEND = ['pending', 'handed']


def message_id(kind, record_id, sender):
    """The Message-ID of the message of a record: always the same for the
    same record of the same database, so that a copy sent again after a
    crash folds with the first one."""
    database = Transaction().database.name
    digest = hashlib.sha256(f'{database}/{kind}'.encode()).hexdigest()[:12]
    domain = sender.rpartition('@')[2] or 'localhost'
    return f'<{kind}.{record_id}.{digest}@{domain}>'


class Recorder:
    """Records the states of one SMTP connection's messages, each change
    committed at once: on PostgreSQL in autocommit statements of a database
    connection of its own (the connections work side by side), on SQLite
    in the transaction's connection, committed (one connection only).

    One statement, the same for every message: on PostgreSQL prepared once
    and run through libpq directly, a fifth of the CPU of trytond's cursors
    (the recording must not slow a campaign down)."""

    def __init__(self, table, state_column, date_column, error_column=None):
        transaction = Transaction()
        self.database = transaction.database
        self.own = self.database.has_select_for()
        name = table._name
        if self.own:
            self.connection = _connect_database(self.database)
            if not config.getboolean(
                    'connexion', 'outbox_synchronous_commit', default=False):
                # Committed for every other connection at once, without
                # waiting for the disk (see the module's docstring).
                self.connection.execute('SET synchronous_commit TO off')
            # A row locked by an uncommitted transaction (a sending started
            # in the transaction that wrote its rows) fails the sending
            # instead of waiting for ever.
            self.connection.execute("SET lock_timeout TO '30s'")
            # $1: the previous message, $2: its state, $3: the one handed,
            # $4: the previous message's error (NULL once sent).
            sql = (f'UPDATE "{name}" SET "{state_column}" = CASE '
                'WHEN id = $1::integer THEN $2::varchar '
                "ELSE 'handed' END")
            if date_column:
                sql += (f', "{date_column}" = CASE WHEN id = $1::integer '
                    "AND $2::varchar = 'sent' "
                    "THEN CURRENT_TIMESTAMP AT TIME ZONE 'UTC' "
                    f'ELSE "{date_column}" END')
            if error_column:
                sql += (f', "{error_column}" = CASE WHEN id = $1::integer '
                    f'THEN $4::varchar ELSE "{error_column}" END')
            sql += ' WHERE id IN ($1::integer, $3::integer)'
            self.errors = bool(error_column)
            self.statement = f'connexion_outbox_{name}'.encode()
            self.pgconn = self.connection.pgconn
            result = self.pgconn.prepare(self.statement, sql.encode())
            # 42P05: prepared already on this pooled connection.
            if (result.error_message
                    and result.error_field(_SQLSTATE) != b'42P05'):
                raise RuntimeError(result.error_message.decode())
        else:
            param = Flavor.get().param
            sql = (f'UPDATE "{name}" SET "{state_column}" = CASE WHEN id = '
                f"{param} THEN {param} ELSE 'handed' END")
            if date_column:
                sql += (f', "{date_column}" = CASE WHEN id = {param} AND '
                    f"{param} = 'sent' THEN {param} "
                    f'ELSE "{date_column}" END')
            if error_column:
                sql += (f', "{error_column}" = CASE WHEN id = {param} '
                    f'THEN {param} ELSE "{error_column}" END')
            self.sql = sql + f' WHERE id IN ({param}, {param})'
            self.dated = bool(date_column)
            self.errors = bool(error_column)
            self.connection = transaction.connection
            self.cursor = self.connection.cursor()
        # (id, state, error) of the previous message, recorded with the
        # next one.
        self.previous = None
        self.waiting = False

    def start(self, handed=None):
        """Send the statement that records the previous message's outcome
        and the hand-over of the message handed (an id), without waiting:
        finish() waits for its commit, before the end of the message is
        written (the SMTP server takes nothing before it)."""
        previous, self.previous = self.previous, None
        if previous is None and handed is None:
            return
        previous_id, state, error = previous or (-1, 'none', None)
        if error is not None:
            error = error[:250]
        if handed is None:
            handed = previous_id
        if self.own:
            params = [b'%d' % previous_id, state.encode(), b'%d' % handed]
            if self.errors:
                params.append(error.encode() if error is not None else None)
            self.pgconn.send_query_prepared(self.statement, params)
            while self.pgconn.flush():
                pass
            self.waiting = True
            return
        params = [previous_id, state]
        if self.dated:
            params += [previous_id, state, dt.datetime.now()]
        if self.errors:
            params += [previous_id, error]
        self.cursor.execute(self.sql, params + [previous_id, handed])
        # SQLite: one connection, the task's; the hand-over is recorded
        # only once committed (see the module's docstring). The
        # connection's own commit, as PostgreSQL's autocommit statements:
        # trytond's (caches, logs, data managers) is the worker's, at the
        # task's end, and would cost a tenth of the sending's CPU here.
        self.connection.commit()

    def finish(self, wait=True):
        """Wait for the statement sent by start() to be committed (or
        without wait, say whether it is); return True once it is."""
        if not self.waiting:
            return True
        pgconn = self.pgconn
        pgconn.consume_input()
        if not wait and pgconn.is_busy():
            return False
        self.waiting = False
        # Wait in select, which lets the other connections' threads run
        # (libpq's own wait would keep Python's lock).
        while pgconn.is_busy():
            select.select([pgconn.socket], [], [])
            pgconn.consume_input()
        error = None
        while (result := pgconn.get_result()) is not None:
            error = error or result.error_message
        if error:
            raise RuntimeError(error.decode())
        return True

    def record(self, handed=None):
        self.start(handed)
        self.finish()

    def close(self):
        self.finish()
        try:
            self.record()
        finally:
            if self.own:
                self.connection.close()


def _connect_database(database):
    """An autocommit PostgreSQL connection of the outbox's own, outside
    trytond's pool: the pool would keep it (or a replacement) open and
    idle, holding the database (a DROP DATABASE, a restore would fail)."""
    import psycopg
    params = dict(database._connection_params(database.name))
    return psycopg.connect(params.pop('conninfo'), autocommit=True, **params)


# libpq's PG_DIAG_SQLSTATE
_SQLSTATE = ord('C')


class Outbox:
    """Sends the messages of one source, each recorded as it goes.

    table: the python-sql table of the rows; state_column: their state
    (values of STATES); date_column: stamped when a message is accepted;
    lock: a name for the source (e.g. 'campaign-12'), that only one sender
    works on at a time."""

    def __init__(self, table, state_column, date_column=None, lock=None,
            error_column=None, refused=None):
        self.table = table
        self.state_column = state_column
        self.date_column = date_column
        self.error_column = error_column
        # The error recorded on a row the server refused for good.
        self.refused = refused
        self.lock = lock
        self.servers = []
        # The claim's own connection (PostgreSQL), read by to_send.
        self._connection = None

    def connections(self):
        """How many SMTP connections send side by side: [connexion]
        smtp_connections, default 1."""
        if not Transaction().database.has_select_for():
            # SQLite: one connection records everything.
            return 1
        return max(1, config.getint('connexion', 'smtp_connections',
                default=1))

    def send_batches(self, sender, batches):
        """Send the messages of batches, an iterable of ([(id, address,
        message bytes)], in-doubt ids) made in this thread (e.g. read and
        rendered) while the connections send the previous ones; return
        (sent ids, refused ids, error or None).

        Each connection sends its share in order and stops at its first
        failure (and the others stop too). Rows are recorded as they go."""
        count = self.connections()
        while len(self.servers) < count:
            self.servers.append(None)
        stop = threading.Event()
        results = [None] * count
        in_doubt = set()
        # Made here: the transaction (and its database) is the thread's.
        recorders = [Recorder(self.table, self.state_column, self.date_column,
                self.error_column) for _ in range(count)]

        def work(index, messages):
            sent, refused, error = [], [], None
            recorder = recorders[index]
            try:
                for id_, address, message in messages:
                    if stop.is_set():
                        break
                    try:
                        if self.servers[index] is None:
                            self.servers[index] = connect()
                    except (smtplib.SMTPException, OSError) as exception:
                        error = str(exception) or repr(exception)
                        # Noted on the row it stopped at, as it was.
                        recorder.record()
                        recorder.previous = (id_,
                            'handed' if id_ in in_doubt else 'pending', error)
                        break
                    recorder.start(handed=id_)
                    try:
                        deliver(self.servers[index], sender, address, message,
                            before_end=recorder.finish)
                        recorder.finish()
                    except smtplib.SMTPRecipientsRefused as exception:
                        recorder.finish()
                        if permanent(exception):
                            recorder.previous = (id_, 'failed', self.refused
                                or str(exception))
                            refused.append(id_)
                            continue
                        # A temporary refusal (4xx): to send again later.
                        error = str(exception)
                        recorder.previous = (id_,
                            'handed' if id_ in in_doubt else 'pending', error)
                    except InDoubt as exception:
                        # Stays handed: sent again, with the same Message-ID.
                        error = str(exception)
                        recorder.previous = (id_, 'handed', error)
                    except (smtplib.SMTPException, OSError) as exception:
                        # The server did not take it: as it was before.
                        recorder.finish()
                        error = str(exception) or repr(exception)
                        recorder.previous = (id_,
                            'handed' if id_ in in_doubt else 'pending', error)
                    else:
                        recorder.previous = (id_, 'sent', None)
                        sent.append(id_)
                        continue
                    self._drop(index)
                    break
            except Exception as exception:
                # The database failed (the sending stops, nothing is lost:
                # the row being handed over stays as recorded).
                error = str(exception) or repr(exception)
                self._drop(index)
                raise
            finally:
                try:
                    recorder.close()
                except Exception as exception:
                    # The last one stays handed: in doubt, not lost.
                    error = error or str(exception) or repr(exception)
                if error:
                    stop.set()
                results[index] = sent, refused, error

        if count == 1:
            # One connection (SQLite: the transaction's): in this thread.
            def messages():
                for batch, doubt in batches:
                    in_doubt.update(doubt)
                    yield from batch
            work(0, messages())
        else:
            queues = [queue.Queue(maxsize=QUEUED) for _ in range(count)]

            def drain(q):
                while (chunk := q.get()) is not None:
                    yield from chunk

            threads = [threading.Thread(target=work, args=(i, drain(q)))
                for i, q in enumerate(queues)]
            for thread in threads:
                thread.start()
            try:
                for batch, doubt in batches:
                    in_doubt.update(doubt)
                    for index, q in enumerate(queues):
                        if not _put(q, batch[index::count], stop):
                            break
                    if stop.is_set():
                        break
            finally:
                for q in queues:
                    _put(q, None, stop)
                for thread in threads:
                    thread.join()
        results = [r for r in results if r]
        sent = [i for r in results for i in r[0]]
        refused = [i for r in results for i in r[1]]
        errors = [r[2] for r in results if r[2]]
        return sent, refused, errors[0] if errors else None

    def to_send(self, where=None, after=0, limit=None):
        """[(id, state)] of the rows still to send (pending or in doubt)
        after the id after, in order, as they are now: on PostgreSQL read on
        the claim's own connection, whose every statement sees what the
        other senders committed, not the snapshot of the task's transaction
        (taken before the claim, it may predate a sending that just ended).
        The rows must be committed (a task runs after the transaction that
        queued it). On SQLite (one process), the transaction sees it all."""
        table = self.table
        state = getattr(table, self.state_column)
        condition = state.in_(TO_SEND) & (table.id > after)
        if where is not None:
            condition &= where
        query = table.select(table.id, state, where=condition,
            order_by=[table.id.asc], limit=limit)
        if self._connection is not None:
            cursor = self._connection.cursor()
        else:
            cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        return list(cursor.fetchall())

    def send_rows(self, sender, render, where=None, batch=100, limit=None):
        """Send the rows still to send (to_send(where)), batch after batch,
        at most limit of them: render(ids) gives the [(id, address, message
        bytes)] of a batch (a row it leaves out stays as it is), made while
        the connections send the previous batch. To call while claimed.

        Return (sent ids, refused ids, error or None, whether rows are left
        to send after those). Nothing is written in the transaction: every
        row's state, date and error are recorded by the outbox's own
        connections (SQLite: the transaction's, committed at each
        message)."""
        left = [False]

        def batches():
            last = count = 0
            while limit is None or count < limit:
                size = batch if limit is None else min(batch, limit - count)
                rows = self.to_send(where, after=last, limit=size)
                if not rows:
                    return
                last = rows[-1][0]
                count += len(rows)
                yield render([i for i, _ in rows]), {
                    i for i, state in rows if state == 'handed'}
            left[0] = bool(self.to_send(where, after=last, limit=1))

        sent, refused, error = self.send_batches(sender, batches())
        return sent, refused, error, left[0] and not error

    def _drop(self, index):
        server, self.servers[index] = self.servers[index], None
        if server is not None:
            try:
                server.close()
            except OSError:
                pass

    def quit(self):
        for index, server in enumerate(self.servers):
            if server is not None:
                try:
                    server.quit()
                except (smtplib.SMTPException, OSError):
                    pass
            self.servers[index] = None

    @contextmanager
    def claim(self):
        """Yield whether this process is the only sender of the source;
        the SMTP connections are closed at the end.

        On PostgreSQL a session advisory lock on a connection of its own:
        the server releases it when that connection closes, even if the
        sender is killed. On SQLite (one process) a lock of the process."""
        transaction = Transaction()
        database = transaction.database
        key = int.from_bytes(hashlib.sha256(
                f'connexion.outbox/{self.lock}'.encode()).digest()[:8],
            'big', signed=True)
        if not database.has_select_for():
            lock = _LOCKS.setdefault((database.name, key), threading.Lock())
            if not lock.acquire(blocking=False):
                yield False
                return
            try:
                yield True
            finally:
                self.quit()
                lock.release()
            return
        connection = _connect_database(database)
        try:
            cursor = connection.cursor()
            cursor.execute('SELECT pg_try_advisory_lock(%s)', (key,))
            locked, = cursor.fetchone()
            if locked:
                self._connection = connection
            try:
                yield locked
            finally:
                self._connection = None
                self.quit()
        finally:
            # Closing ends the session lock too.
            connection.close()


_LOCKS = {}
# Shares of batches waiting for each SMTP connection: enough to keep it
# busy while the next batch is read and rendered.
QUEUED = 2


def _put(q, item, stop):
    "Put item on q unless stop is set (then return False)."
    while True:
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            if stop is not None and stop.is_set():
                if item is None:
                    # The worker stopped reading: make room for the end.
                    try:
                        q.get_nowait()
                    except queue.Empty:
                        pass
                    continue
                return False
