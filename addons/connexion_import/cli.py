"""Command line import (scripts/import): the wizard's engine with a
progress bar, one committed transaction per batch.

    scripts/import -d DB --profile "Donateurs ancien CRM" donateurs.csv
"""
import argparse
import os
import sys
import time


class ProgressBar:
    "A one-line progress bar on stderr with the current speed."

    def __init__(self, stream=sys.stderr, width=30):
        self.stream = stream
        self.width = width
        self.start = time.monotonic()

    def __call__(self, done, total):
        ratio = done / total if total else 1
        filled = int(self.width * ratio)
        speed = done / max(time.monotonic() - self.start, 1e-6)
        self.stream.write(
            f'\r[{"#" * filled}{"." * (self.width - filled)}] '
            f'{ratio:4.0%} {done}/{total} rows, {speed:,.0f} rows/s'
            .replace(',', ' '))
        if done >= total:
            self.stream.write('\n')
        self.stream.flush()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='scripts/import',
        description="Import a CSV or XLSX file with an import profile.")
    parser.add_argument('file')
    parser.add_argument('-c', '--config', help="trytond configuration "
        "file (else the TRYTOND_* variables)")
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('-p', '--profile', required=True,
        help="name of the import profile")
    parser.add_argument('-u', '--user', default='admin',
        help="login of the user who imports (their access rights "
        "apply)")
    parser.add_argument('--dry-run', action='store_true',
        help="check everything, save nothing")
    parser.add_argument('--method', choices=['bulk', 'record'],
        default='bulk', help="bulk (by batches) or record (one by one)")
    parser.add_argument('--errors', help="CSV file of the rejected rows "
        "(default <file>-rejets.csv, as the wizard names it)")
    parser.add_argument('-q', '--quiet', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    from trytond import config as tconfig
    if args.config:
        tconfig.update_etc(args.config)
    from trytond.i18n import gettext
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from .cleaning import CleanError

    Pool.start()
    pool = Pool(args.database)
    pool.init()
    with open(args.file, 'rb') as fp:
        data = fp.read()
    filename = os.path.basename(args.file)
    with Transaction().start(args.database, 0, context={'language': 'fr'}):
        User = pool.get('res.user')
        user, = User.search([('login', '=', args.user)])
        user_id = user.id
    with Transaction().start(args.database, user_id, context={
                'language': 'fr', '_check_access': True}) as transaction:
        Profile = pool.get('connexion.import.profile')
        Run = pool.get('connexion.import.run')
        profiles = Profile.search([('name', '=', args.profile)])
        if not profiles:
            print(gettext('connexion_import.msg_cli_unknown_profile',
                    profile=args.profile), file=sys.stderr)
            return 2
        profile, = profiles
        start = time.monotonic()
        try:
            run, plan, report = Run.start(profile, filename, data,
                method=args.method, dry_run=args.dry_run,
                commit=None if args.dry_run else transaction.commit,
                progress=None if args.quiet else ProgressBar())
        except CleanError as error:
            print(gettext(error.message, **error.variables), file=sys.stderr)
            return 1
        elapsed = time.monotonic() - start
        errors = run.error_file(plan)
        if args.dry_run:
            transaction.rollback()
        path = args.errors or os.path.splitext(args.file)[0] + '-rejets.csv'
        with open(path, 'wb') as fp:
            fp.write(errors)
        summary = summary_lines(path, elapsed, len(plan.rows))
    print(report)
    for line in summary:
        print(line)
    return 0


def summary_lines(path, elapsed, rows):
    "The end of the report, in the transaction's language as the report."
    from trytond.i18n import gettext

    from connexion_asso.formatting import format_duration
    return [
        gettext('connexion_import.msg_cli_errors_file', path=path),
        gettext('connexion_import.msg_cli_duration',
            duration=format_duration(elapsed),
            speed=f'{rows / max(elapsed, 1e-6):,.0f}'.replace(
                ',', '\u00a0')),
        ]


if __name__ == '__main__':
    sys.exit(main())
