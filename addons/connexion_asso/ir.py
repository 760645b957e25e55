# Connexion: association management on Tryton.
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    """Give record rules the current user as ``user_id``.

    Tryton 8 only gives rules the user's groups, but many Connexion records
    belong to someone (a volunteer's own profile, hours, sign-ups; the dreams
    a volunteer accompanies; the ideas a referent answers), so the rules of
    every module compare a field to ``Eval('user_id', -1)``.
    """
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        context['user_id'] = Transaction().user
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        return (*super()._get_cache_key(model_names), Transaction().user)


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('connexion.outbox.message|send_pending',
                    "Send the E-mails of the Outbox"),
                ('connexion.outbox.message|clean',
                    "Forget the Sent E-mails of the Outbox"),
                ])
