"""The tasks of ir.queue run as trytond-worker runs them, where
trytond-worker cannot: on SQLite (the demo) and in the tests' process.

trytond-worker waits for PostgreSQL's notifications on its connection (a
selector, which SQLite's connection cannot join), and ir.queue's pull fails
on SQLite (trytond 8.0: its query of the next task's time lacks its WITH).
Here each task is pulled in ir.queue's order (on PostgreSQL by ir.queue's
own pull) and run by trytond.worker.run_task, in a transaction of its own
committed when it ends, as trytond-worker runs it."""
import datetime as dt
import time

from sql import Flavor, Null

from trytond import backend
from trytond.pool import Pool
from trytond.transaction import Transaction
from trytond.worker import run_task


def _pull_sqlite(database_name):
    "The next task due, marked dequeued (committed), or None."
    with Transaction().start(database_name, 0) as transaction:
        queue = Pool().get('ir.queue').__table__()
        cursor = transaction.connection.cursor()
        now = dt.datetime.now()
        cursor.execute(*queue.select(queue.id,
                where=(queue.dequeued_at == Null)
                & ((queue.scheduled_at == Null)
                    | (queue.scheduled_at <= now)),
                order_by=[queue.scheduled_at.nulls_first,
                    queue.expected_at.nulls_first, queue.id.asc],
                limit=1))
        row = cursor.fetchone()
        if not row:
            return None
        cursor.execute(*queue.update([queue.dequeued_at], [now],
                where=queue.id == row[0]))
        return row[0]


def run_queue(database_name, limit=None):
    """Run the database's tasks due, those queued by a task included, until
    none is left (or limit of them ran); return the ids run. Called outside
    any transaction, as the worker is."""
    assert not Transaction().database, "run outside a transaction"
    # As trytond-worker sets it, for the pull outside a transaction.
    Flavor.set(backend.Database.flavor)
    pool = Pool(database_name)
    if database_name not in Pool.database_list():
        with Transaction().start(database_name, 0, readonly=True):
            pool.init()
    ran = []
    database = connection = None
    if backend.name != 'sqlite':
        database = backend.Database(database_name).connect()
        connection = database.get_connection(autocommit=True)
    try:
        while limit is None or len(ran) < limit:
            if connection is not None:
                task_id, _ = pool.get('ir.queue').pull(database, connection)
            else:
                task_id = _pull_sqlite(database_name)
            if not task_id:
                break
            run_task(pool, task_id)
            ran.append(task_id)
    finally:
        if connection is not None:
            if database.has_channel():
                connection.cursor().execute('UNLISTEN *')
            database.put_connection(connection)
        # Without [queue] worker, trytond also listed them for the end of
        # the request (Transaction().tasks): they ran here.
        tasks = Transaction().tasks
        tasks[:] = [t for t in tasks if t not in ran]
    return ran


def main(database_name, interval=1):
    "Run the tasks as they come, looking for them every interval seconds."
    while True:
        if not run_queue(database_name):
            time.sleep(interval)
