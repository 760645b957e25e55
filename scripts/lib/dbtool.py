"""Database chores for the scripts, for both backends of a trytond config:
status, create, drop, backup and restore (database + filestore)."""
import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
# Extensions and functions of Connexion's searches (trigram indexes,
# unaccent): run on every PostgreSQL database before trytond-admin.
POSTGRESQL_SQL = os.path.join(ROOT, 'config', 'postgresql.sql')


def setup_postgresql(connection):
    "Run config/postgresql.sql on a psycopg connection (idempotent)."
    with open(POSTGRESQL_SQL) as fp:
        connection.execute(fp.read())


class Target:
    def __init__(self, config_file, database):
        parser = configparser.ConfigParser()
        parser.read(config_file)
        self.uri = os.environ.get('TRYTOND_DATABASE__URI') or parser.get(
            'database', 'uri', fallback='sqlite://')
        self.path = os.environ.get('TRYTOND_DATABASE__PATH') or parser.get(
            'database', 'path', fallback=os.path.expanduser(
                '~/db'))
        self.database = database
        self.sqlite = self.uri.startswith('sqlite')

    @property
    def sqlite_file(self):
        return os.path.join(self.path, self.database + '.sqlite')

    @property
    def filestore(self):
        return os.path.join(self.path, self.database)

    def pg(self, dbname='postgres'):
        import psycopg
        return psycopg.connect(
            self.uri.rstrip('/') + '/' + dbname, autocommit=True)

    def pg_args(self):
        u = urlparse(self.uri)
        args = []
        if u.hostname:
            args += ['-h', u.hostname]
        if u.port:
            args += ['-p', str(u.port)]
        if u.username:
            args += ['-U', u.username]
        env = dict(os.environ)
        if u.password:
            env['PGPASSWORD'] = u.password
        return args, env

    def exists(self):
        if self.sqlite:
            return os.path.exists(self.sqlite_file)
        with self.pg() as conn:
            return bool(conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s",
                    (self.database,)).fetchone())

    def status(self):
        if not self.exists():
            return 'missing'
        if self.sqlite:
            import sqlite3
            conn = sqlite3.connect(self.sqlite_file)
            found = conn.execute(
                "SELECT name FROM sqlite_master WHERE name='ir_module'"
                ).fetchone()
            conn.close()
        else:
            with self.pg(self.database) as conn:
                found = conn.execute(
                    "SELECT to_regclass('ir_module')").fetchone()[0]
        return 'ready' if found else 'empty'

    def create(self, extensions=True):
        if self.sqlite:
            os.makedirs(self.path, exist_ok=True)
            open(self.sqlite_file, 'a').close()
        else:
            with self.pg() as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
            if extensions:
                self.extensions()

    def extensions(self):
        "Install config/postgresql.sql in the database (PostgreSQL only)."
        if not self.sqlite:
            with self.pg(self.database) as conn:
                setup_postgresql(conn)

    def drop(self):
        if self.sqlite:
            if os.path.exists(self.sqlite_file):
                os.remove(self.sqlite_file)
        else:
            with self.pg() as conn:
                conn.execute(
                    f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.filestore, ignore_errors=True)

    def backup(self, output):
        "One .tar.gz with the database dump and the filestore."
        with tempfile.TemporaryDirectory() as tmp:
            if self.sqlite:
                import sqlite3
                src = sqlite3.connect(self.sqlite_file)
                dst = sqlite3.connect(os.path.join(tmp, 'database.sqlite'))
                src.backup(dst)  # consistent copy even while serving
                dst.close()
                src.close()
            else:
                args, env = self.pg_args()
                subprocess.run(
                    ['pg_dump', *args, '-Fc', '-f',
                        os.path.join(tmp, 'database.dump'), self.database],
                    check=True, env=env)
            with tarfile.open(output, 'w:gz') as tar:
                for name in os.listdir(tmp):
                    tar.add(os.path.join(tmp, name), arcname=name)
                if os.path.isdir(self.filestore):
                    tar.add(self.filestore, arcname='filestore')
        return output

    def restore(self, archive, force=False):
        if self.exists():
            if not force:
                raise SystemExit(
                    f"La base « {self.database} » existe déjà : choisissez "
                    "un autre nom ou ajoutez --force pour la remplacer.")
            self.drop()
        with tempfile.TemporaryDirectory() as tmp:
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter='data')
            dump = os.path.join(tmp, 'database.dump')
            copy = os.path.join(tmp, 'database.sqlite')
            if self.sqlite:
                if not os.path.exists(copy):
                    raise SystemExit(
                        "Cette sauvegarde vient de PostgreSQL : restaurez-la "
                        "avec une configuration PostgreSQL.")
                os.makedirs(self.path, exist_ok=True)
                shutil.copyfile(copy, self.sqlite_file)
            else:
                if not os.path.exists(dump):
                    raise SystemExit(
                        "Cette sauvegarde vient de SQLite : restaurez-la "
                        "avec une configuration SQLite.")
                # The dump creates the extensions it had itself.
                self.create(extensions=False)
                args, env = self.pg_args()
                subprocess.run(
                    ['pg_restore', *args, '--no-owner', '-d', self.database,
                        dump], check=True, env=env)
            filestore = os.path.join(tmp, 'filestore')
            if os.path.isdir(filestore):
                shutil.copytree(filestore, self.filestore)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('-c', '--config', required=True)
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('action', choices=[
            'status', 'create', 'extensions', 'drop', 'backup', 'restore'])
    parser.add_argument('file', nargs='?')
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    target = Target(args.config, args.database)
    if args.action == 'status':
        print(target.status())
    elif args.action == 'create':
        target.create()
    elif args.action == 'extensions':
        target.extensions()
    elif args.action == 'drop':
        target.drop()
    elif args.action == 'backup':
        print(target.backup(args.file))
    elif args.action == 'restore':
        if not args.file or not os.path.exists(args.file):
            raise SystemExit(f"Sauvegarde introuvable : {args.file}")
        target.restore(args.file, force=args.force)


if __name__ == '__main__':
    sys.exit(main())
