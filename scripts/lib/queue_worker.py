"""The queue worker of a SQLite database (scripts/demo, scripts/serve on
SQLite): runs the tasks of ir.queue as trytond-worker does, which needs
PostgreSQL (connexion_asso/worker.py says why).

    python scripts/lib/queue_worker.py -c trytond.conf -d DATABASE
"""
import argparse
import logging

from trytond import config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('-c', '--config', required=True)
    parser.add_argument('-d', '--database', required=True)
    args = parser.parse_args()
    config.update_etc(args.config)
    logging.basicConfig(level=logging.INFO,
        format='%(asctime)s %(levelname)s %(name)s %(message)s')
    # After the configuration: trytond's backend is the configured one.
    from connexion_asso.worker import main as work
    work(args.database)


if __name__ == '__main__':
    main()
