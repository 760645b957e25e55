"""Addresses no campaign writes to any more (bounces, complaints),
blocked by their hash even after erasure."""
import datetime as dt
import hashlib

from sql import Null

from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.transaction import Transaction


class Suppression(ModelSQL, ModelView):
    __name__ = 'connexion.marketing.suppression'
    __string__ = "Blocked Address"

    email = fields.Char(
        "E-mail", help="Emptied when the person's data is erased: the hash "
        "keeps the address blocked.")
    email_hash = fields.Char(
        "E-mail Hash", readonly=True,
        help="SHA-256 of the address: a bounced or complaining address "
        "stays blocked after erasure, even if it is entered again.")
    reason = fields.Selection([
            ('bounce', "Bounce"),
            ('complaint', "Complaint"),
            ], "Reason", required=True)
    date = fields.Timestamp("Date", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('email_unique', Unique(t, t.email),
                'connexion_marketing.msg_suppression_unique'),
            ]

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, table.email,
                where=(table.email_hash == Null) & (table.email != Null)))
        for id_, email in cursor.fetchall():
            cursor.execute(*table.update([table.email_hash],
                    [cls.hash_email(email)], where=table.id == id_))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('email'):
            values['email'] = values['email'].strip().lower()
            values['email_hash'] = cls.hash_email(values['email'])
        return values

    @staticmethod
    def hash_email(email):
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    @classmethod
    def hashes(cls):
        "Hashes of every blocked address, erased ones included."
        return {s.email_hash for s in cls.search([]) if s.email_hash}

    @classmethod
    def is_suppressed(cls, email):
        return bool(cls.search(
                [('email_hash', '=', cls.hash_email(email))], limit=1))

    @classmethod
    def forget(cls, emails):
        "Erasure: the addresses go, their hashes keep them blocked."
        records = cls.search([('email_hash', 'in',
                    [cls.hash_email(e) for e in emails])])
        if records:
            cls.write(records, {'email': None})
