"""Load the fictional demo data of every activated Connexion module.

Each module may ship ``demo.py`` with ``load(pool)``; it runs in one
transaction, as the administrator, in module dependency order, and must be
idempotent (re-running the demo adds nothing twice).
"""
import argparse
import importlib
import sys
import time

from trytond import config as tconfig


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('-c', '--config', required=True)
    parser.add_argument('-d', '--database', required=True)
    args = parser.parse_args()
    tconfig.update_etc(args.config)

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules import load_modules  # noqa: F401

    Pool.start()
    pool = Pool(args.database)
    pool.init()
    with Transaction().start(args.database, 0, readonly=True):
        Module = pool.get('ir.module')
        activated = {m.name for m in Module.search(
                [('state', '=', 'activated')])}
    extras = {'_lock_tables': existing(args.database, LOCKED_TABLES)}
    demos = []
    for name in ordered(pool, activated):
        try:
            demos.append((name, importlib.import_module(f'{name}.demo')))
        except ModuleNotFoundError:
            continue
    # Each module says what it does as it goes: the largest take minutes.
    for i, (name, demo) in enumerate(demos, 1):
        print(f'    [{i}/{len(demos)}] {name}…', flush=True)
        start = time.monotonic()
        summary = run(args.database, extras, demo.load, pool)
        print(f'    [{i}/{len(demos)}] {name} : {summary} '
            f'({time.monotonic() - start:.0f} s)', flush=True)


# The tables that posting, numbering and issuing lock (trytond's
# ``Model.lock()``): on PostgreSQL a transaction must hold them from its start,
# or it is replayed with them. The demo's transactions are long, so they take
# them at once instead of being replayed for each one found.
LOCKED_TABLES = [
    'account_configuration', 'account_fiscalyear', 'account_period',
    'account_journal_period', 'connexion_association',
    'connexion_donation_configuration', 'connexion_donation_receipt',
    ]


def existing(database, tables):
    "The tables among these that the activated modules created."
    from trytond import backend
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, readonly=True):
        return [t for t in tables if backend.TableHandler.table_exist(t)]


def run(database, extras, func, *args):
    """Run func in its own transaction, retried like trytond's dispatcher;
    the locks found missing are kept in extras for the next modules."""
    from trytond.transaction import TransactionError
    from trytond.transaction import Transaction
    for _ in range(20):
        with Transaction().start(database, 0, context={'language': 'fr'},
                **extras) as transaction:
            try:
                return func(*args)
            except TransactionError as e:
                transaction.rollback()
                e.fix(extras)
    raise RuntimeError("demo data: too many retries")


def ordered(pool, activated):
    "Connexion modules in dependency order."
    from trytond.modules import create_graph
    graph = create_graph(set(activated))
    return [n.name for n in graph if n.name.startswith('connexion_')]


if __name__ == '__main__':
    sys.exit(main())
