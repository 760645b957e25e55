"""Load the fictional demo data of every activated Connexion module.

Each module may ship ``demo.py`` with ``load(pool)``; it runs in one
transaction, as the administrator, in module dependency order, and must be
idempotent (re-running the demo adds nothing twice).
"""
import argparse
import importlib
import sys

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
    loaded = []
    for name in ordered(pool, activated):
        try:
            demo = importlib.import_module(f'{name}.demo')
        except ModuleNotFoundError:
            continue
        loaded.append((name, run(args.database, demo.load, pool)))
    for name, summary in loaded:
        print(f'  {name}: {summary}')


def run(database, func, *args):
    "Run func in its own transaction, retried like trytond's dispatcher."
    from trytond.transaction import TransactionError
    from trytond.transaction import Transaction
    extras = {}
    for _ in range(5):
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
