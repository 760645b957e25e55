from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('connexion.marketing.campaign|process',
                "Send Queued Campaign E-mails"))


class CronDonation(metaclass=PoolMeta):
    "The donor automations exist with connexion_donation."
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('connexion.marketing.automation|run',
                "Send Donor E-mail Automations"))
