"""Record rules about "my own records" need the user in their context."""
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        "Tryton 8 gives rules only the groups: add the user for own runs."
        context = super()._get_context(model_name)
        context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        return super()._get_cache_key(model_names) + (Transaction().user,)
