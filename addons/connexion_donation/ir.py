from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('connexion.donation|create_from_expenses_cron',
                    "Create Expense Waiver Donations"),
                ])
