"""Donation settings: journal and accounts used when a gift is validated
(connexion_tax_receipt adds the tax reduction rates printed on receipts)."""
from connexion_account_asso.chart import template_account
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

ACCOUNT_DOMAIN = [
    ('type', '!=', None),
    ('closed', '!=', True),
    ]


def account_field(string, help=None):
    return fields.Many2One(
        'account.account', string, domain=ACCOUNT_DOMAIN, help=help)


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'connexion.donation.configuration'

    journal = fields.Many2One(
        'account.journal', "Journal",
        help="Journal of the moves posted when a donation is validated.")
    account_cash = account_field(
        "Cash Account", help="Debited for gifts in cash (530).")
    account_check = account_field(
        "Cheque Account",
        help="Debited for gifts by cheque until the deposit (5112).")
    account_bank = account_field(
        "Bank Account",
        help="Debited for transfers, direct debits and card payments (512).")
    account_gift = account_field(
        "Manual Gifts Account", help="Gifts from individuals (75411).")
    account_patronage = account_field(
        "Patronage Account", help="Gifts from companies (7542).")
    account_expense_waiver = account_field(
        "Waived Expenses Account",
        help="Volunteer expenses waived as a gift (75412).")
    account_income_waiver = account_field(
        "Waived Income Account", help="Income waived as a gift (75413).")
    account_volunteer_expense = account_field(
        "Volunteer Expenses Account",
        help="Debited when expenses or income are waived (4681).")
    in_kind_posting = fields.Boolean(
        "Post In-Kind Gifts",
        help="Post gifts in kind as voluntary contributions (870/860); "
        "otherwise they are only recorded.")
    account_in_kind = account_field(
        "In-Kind Gifts Account", help="Credited for gifts in kind (870).")
    account_in_kind_use = account_field(
        "In-Kind Uses Account", help="Debited for gifts in kind (860).")

    @classmethod
    def default_journal(cls):
        "The miscellaneous journal of account."
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('account', 'journal_miscellaneous')
        except KeyError:
            return None

    # The accounts of the context company's chart created from the
    # templates of account_fr and connexion_account_asso.
    @classmethod
    def default_account_cash(cls):
        return template_account('account_fr.5311')

    @classmethod
    def default_account_check(cls):
        return template_account('account_fr.5112')

    @classmethod
    def default_account_bank(cls):
        return template_account('account_fr.5121')

    @classmethod
    def default_account_gift(cls):
        return template_account('connexion_account_asso.75411')

    @classmethod
    def default_account_patronage(cls):
        return template_account('connexion_account_asso.7542')

    @classmethod
    def default_account_expense_waiver(cls):
        return template_account('connexion_account_asso.75412')

    @classmethod
    def default_account_income_waiver(cls):
        return template_account('connexion_account_asso.75413')

    @classmethod
    def default_account_volunteer_expense(cls):
        return template_account('connexion_account_asso.4681')

    @classmethod
    def default_account_in_kind(cls):
        return template_account('connexion_account_asso.870')

    @classmethod
    def default_account_in_kind_use(cls):
        return template_account('connexion_account_asso.860')

    @classmethod
    def fill_defaults(cls):
        """Set the empty journal and accounts to their defaults: the
        settings saved before the company had its chart."""
        config = cls(1)
        for name in cls._fields:
            if name == 'journal' or name.startswith('account_'):
                default = getattr(cls, 'default_' + name, None)
                if default and not getattr(config, name):
                    setattr(config, name, default())
        config.save()

    @classmethod
    def default_in_kind_posting(cls):
        return True


class CreateChart(metaclass=PoolMeta):
    __name__ = 'account.create_chart'

    def transition_create_properties(self):
        "The donation settings get the accounts of the new chart."
        state = super().transition_create_properties()
        Configuration = Pool().get('connexion.donation.configuration')
        with Transaction().set_context(company=self.properties.company.id):
            Configuration.fill_defaults()
        return state
