"""The tests run the tasks of ir.queue as trytond-worker runs them
(connexion_asso/worker.py), and methods of queued tasks as a task runs
them."""
from trytond.transaction import Transaction, TransactionError

from ..worker import run_queue as _run_queue


def run_queue(database_name, limit=1000):
    """Run the queued tasks of the database as trytond-worker does; return
    how many ran. Outside any transaction (commit what queued them)."""
    ran = _run_queue(database_name, limit=limit)
    assert len(ran) < limit, "the queue never empties"
    return len(ran)


def as_task(method, *args, **kwargs):
    """method(*args, **kwargs) in a with_transaction test as a queued task
    runs it: on what is committed (the outbox reads the committed rows), its
    outcome committed (the outbox records on connections of its own: the
    test's next reads see it)."""
    transaction = Transaction()
    transaction.commit()
    try:
        return method(*args, **kwargs)
    finally:
        transaction.commit()


def in_transaction(func, database_name, user, context=None):
    """func() in a transaction of its own, committed, started again with
    the table locks it asks for (as trytond's dispatcher does); return
    what it returns."""
    extras = {}
    while True:
        with Transaction().start(database_name, user, context=context,
                **extras) as transaction:
            try:
                return func()
            except TransactionError as exception:
                transaction.rollback()
                exception.fix(extras)
