"""Failed portal sign-ins and reset links, counted to refuse floods at once.

web_user's own ``authenticate`` and ``set_password_token`` slow attackers
down by sleeping 2^n - 1 s inside the request after n failures, without
bound: a few dozen requests hold every server thread. The portal calls
neither; it counts failures here instead, per account and per client
address, and answers 429 at once past the limit, before any password or
token is checked.

Rules, all in trytond.conf ``[connexion]``:

- ``portal_max_attempt`` (5): failures per account (sign-in and reset link
  counted apart) within the window;
- ``portal_max_attempt_address`` (30): failures per client address (after
  trytond's ``[web] num_proxies`` handling), whatever the account;
- ``portal_attempt_window`` (900 s): failures older than this are
  forgotten. A locked account or address is therefore refused for at most
  the window after its last checked failure (refused attempts are not
  counted, so nobody can keep an account locked for longer than by
  failing again), and a sign-in with the right password clears the
  account's count.

Counting is exact under parallel requests: ``check`` locks the keys for the
request's transaction before counting (a PostgreSQL advisory lock per key,
taken in a fixed order; SQLite serialises writing transactions), so the
next request on the same account or address counts after this one has
recorded its failure. On PostgreSQL the counts are read and written in
short transactions of their own: the request's repeatable-read snapshot
was taken before it waited for the lock and would not show the failures
committed meanwhile, and a failure must count even if the request's own
transaction is later rolled back.
"""
import contextlib
import hashlib
import urllib.parse

from sql import Select
from sql.aggregate import Count
from sql.functions import CurrentTimestamp

import datetime as dt

from trytond.config import config
from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from connexion_asso import public


def _lock_id(key):
    "A signed 64-bit advisory lock id for key."
    return int.from_bytes(bytes.fromhex(key[:16]), 'big', signed=True)


class PortalAttempt(ModelSQL):
    __name__ = 'connexion.portal.attempt'
    # A digest of kind, account or address: no e-mail or address is stored.
    key = fields.Char("Key", required=True, strip=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__ = {}
        table = cls.__table__()
        cls._sql_indexes.update({
                Index(table, (table.key, Index.Equality()),
                    (table.create_date, Index.Range())),
                Index(table, (table.create_date, Index.Range())),
                })

    @staticmethod
    def digest(kind, value):
        return hashlib.sha256(f'{kind}:{value}'.encode(
                'utf-8', 'replace')).hexdigest()

    @classmethod
    def keys(cls, kind, account, address=None):
        """{key: limit} of an attempt of kind ('login', 'token') on account
        (an e-mail) from address."""
        keys = {}
        if account:
            keys[cls.digest(kind, account.strip().lower())] = config.getint(
                'connexion', 'portal_max_attempt', default=5)
        if address:
            keys[cls.digest('address', address)] = config.getint(
                'connexion', 'portal_max_attempt_address', default=30)
        return keys

    @classmethod
    def window(cls):
        return dt.timedelta(seconds=config.getint(
                'connexion', 'portal_attempt_window', default=15 * 60))

    @classmethod
    def _counting(cls):
        "The transaction that reads or writes the counts (see above)."
        transaction = Transaction()
        if transaction.database.has_select_for():
            return transaction.new_transaction()
        return contextlib.nullcontext(transaction)

    @classmethod
    def check(cls, keys):
        """Lock keys until the end of the transaction and tell whether each
        is under its limit."""
        transaction = Transaction()
        database = transaction.database
        table = cls.__table__()
        if database.has_select_for():
            cursor = transaction.connection.cursor()
            for key in sorted(keys):
                cursor.execute(*Select([database.lock_id(
                                _lock_id(key), timeout=True)]))
        with cls._counting() as counting:
            cursor = counting.connection.cursor()
            # On SQLite, the first write of the transaction: it waits for
            # the database's write lock, so parallel checks run in turn.
            cursor.execute(*table.delete(where=table.create_date
                    < CurrentTimestamp() - cls.window()))
            if not keys:
                return True
            cursor.execute(*table.select(table.key, Count(table.id),
                    where=table.key.in_(list(keys)), group_by=[table.key]))
            counts = dict(cursor)
        return all(counts.get(key, 0) < limit for key, limit in keys.items())

    @classmethod
    def fail(cls, keys):
        "Record a failure on each key."
        if keys:
            with cls._counting():
                cls.create([{'key': key} for key in keys])

    @classmethod
    def clear(cls, keys):
        "Forget the failures of keys (after a success)."
        if keys:
            table = cls.__table__()
            with cls._counting() as counting:
                cursor = counting.connection.cursor()
                cursor.execute(*table.delete(
                        where=table.key.in_(list(keys))))


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    def get_email_reset_password_url(self, url=None):
        """The portal's page to choose a new password, by default: under
        [connexion] public_url, never the request's Host (a forged one would
        send the victim's link to another site)."""
        if url is None and config.get('web', 'reset_password_url') is None:
            database = urllib.parse.quote(Transaction().database.name)
            url = public.absolute_url(
                f'/{database}/portal/nouveau-mot-de-passe')
        return super().get_email_reset_password_url(url=url)

    @classmethod
    def set_password(cls, users, name, value):
        """A new password ends the user's open sessions: one stolen with the
        old password must not outlive the reset."""
        super().set_password(users, name, value)
        if value and value != 'x' * 10:
            Session = Pool().get('web.user.session')
            Session.delete(Session.search(
                    [('user', 'in', [u.id for u in users])]))
