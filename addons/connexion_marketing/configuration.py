"""The secret that signs the links of the campaigns' messages."""
from trytond.ir.session import token_hex
from trytond.model import ModelSQL, fields


class Configuration(ModelSQL):
    __name__ = 'connexion.marketing.configuration'
    __string__ = "Campaign Configuration"

    secret = fields.Char("Secret", required=True)

    @classmethod
    def get_secret(cls):
        records = cls.search([], limit=1)
        if not records:
            records = cls.create([{'secret': token_hex(32)}])
        return records[0].secret
