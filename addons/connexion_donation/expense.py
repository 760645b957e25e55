"""Abandon de frais: the expense claims a volunteer waived (connexion_asso)
become gifts of nature "expense waiver", so that a tax receipt is issued.

Legal conditions (CGI art. 200): the expense was
paid for the objet social, it is justified (receipts checked when the claim
was approved) and the volunteer expressly renounced its reimbursement in
writing (recorded and dated when the claim was waived). The gift is dated
at the renunciation, for the amount of the claim.

Each waived claim gives one gift only: the donation keeps a unique link to
it and the claim is marked handed over.
"""
import logging
from decimal import Decimal

from connexion_account_asso.chart import template_account
from trytond.i18n import gettext
from trytond.model import ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .configuration import account_field
from .exceptions import (
    ExpenseWaiverDeleteError, ExpenseWaiverError, PostingError)

logger = logging.getLogger(__name__)

# Fields of the gift that must stay those of the waived claim.
FROM_EXPENSE = ['company', 'party', 'donor_type', 'date', 'amount',
    'currency', 'nature']


class Configuration(metaclass=PoolMeta):
    __name__ = 'connexion.donation.configuration'

    account_expense_charge = account_field(
        "Waived Expenses Charge Account",
        help="Debited with the expenses that volunteers paid for the "
        "association and waived (6251 for travel), against 4681.")

    @classmethod
    def default_account_expense_charge(cls):
        return template_account('account_fr.6251')


class Donation(metaclass=PoolMeta):
    __name__ = 'connexion.donation'

    expense = fields.Many2One(
        'connexion.volunteer.expense', "Waived Expense", readonly=True,
        ondelete='RESTRICT',
        states={'invisible': ~Eval('expense')},
        help="The volunteer's expense claim that this gift records.")
    expense_account = fields.Many2One(
        'account.account', "Expense Account",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '!=', None),
            ('closed', '!=', True),
            ],
        states={
            'invisible': Eval('nature') != 'expense_waiver',
            'readonly': Eval('state') != 'draft',
            },
        help="Charge account of the waived expense (class 6), debited "
        "against 4681 when the gift is validated; empty, the one of the "
        "configuration.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('expense_unique', Unique(t, t.expense),
                'connexion_donation.msg_expense_waiver_unique'),
            ]
        for name in FROM_EXPENSE:
            field = getattr(cls, name)
            field.states = field.states.copy()
            readonly = field.states.get('readonly')
            field.states['readonly'] = (Bool(Eval('expense')) | readonly
                if readonly is not None else Bool(Eval('expense')))

    @classmethod
    def _transition_fields(cls):
        "The waiver wizard links the gift to the waived expense."
        return super()._transition_fields() | {'expense'}

    @classmethod
    def _state_locked_fields(cls):
        locked = super()._state_locked_fields()
        locked['expense_account'] = {'draft'}
        return locked

    @classmethod
    def copy(cls, donations, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('expense')
        return super().copy(donations, default=default)

    @classmethod
    def check_modification(
            cls, mode, donations, values=None, external=False):
        super().check_modification(
            mode, donations, values=values, external=external)
        if mode == 'delete':
            for donation in donations:
                if donation.expense:
                    raise ExpenseWaiverDeleteError(gettext(
                            'connexion_donation.msg_expense_waiver_delete',
                            donation=donation.rec_name,
                            expense=donation.expense.rec_name))

    def check_validate(self):
        super().check_validate()
        expense = self.expense
        if expense and (self.amount != expense.amount
                or self.party != expense.volunteer.party
                or self.nature != 'expense_waiver'):
            raise ExpenseWaiverError(gettext(
                    'connexion_donation.msg_expense_waiver_mismatch',
                    donation=self.rec_name, expense=expense.rec_name))

    def get_move(self):
        """The waived expense was never booked: the gift's move also
        records the charge (6x debit, 4681 credit) before the waiver (4681
        debit, 75412 credit), whether the gift comes from a claim or is
        entered by hand; without a charge account it is refused."""
        pool = Pool()
        Config = pool.get('connexion.donation.configuration')
        Line = pool.get('account.move.line')
        move = super().get_move()
        if not move or self.nature != 'expense_waiver':
            return move
        config = Config(1)
        charge = self.expense_account or config.account_expense_charge
        if not charge:
            raise PostingError(gettext(
                    'connexion_donation.msg_missing_account',
                    field=Config.fields_get(['account_expense_charge'])[
                        'account_expense_charge']['string'],
                    donation=self.rec_name))
        if not (charge.code or '').startswith('6'):
            raise ExpenseWaiverError(gettext(
                    'connexion_donation.msg_expense_waiver_charge_class',
                    donation=self.rec_name, account=charge.rec_name))
        waiver_debit = next(l for l in move.lines if l.debit)
        amount = waiver_debit.debit
        lines = []
        for account, debit, credit in [
                (charge, amount, Decimal(0)),
                (waiver_debit.account, Decimal(0), amount)]:
            line = Line(account=account, debit=debit, credit=credit,
                description=move.description)
            if account.party_required:
                line.party = self.party
            lines.append(line)
        move.lines = lines + list(move.lines)
        return move

    @classmethod
    def create_from_expenses(cls, company, expenses=None, skip=False):
        """Draft gifts for the waived claims not handed over yet (all of
        them by default); returns the gifts created.

        A claim that lacks its receipts or its written renunciation is
        refused with an error, or only logged and left when skip is set
        (the daily cron must not stop on one claim)."""
        pool = Pool()
        Expense = pool.get('connexion.volunteer.expense')
        Config = pool.get('connexion.donation.configuration')
        if expenses is None:
            expenses = Expense.to_hand_over()
        if not expenses:
            return []
        # A cron and a treasurer at once: the second waits, then finds the
        # claims handed over.
        Expense.lock(expenses)
        expenses = Expense.search([
                ('id', 'in', [e.id for e in expenses]),
                ('state', '=', 'waived'),
                ('handed_over', '=', False),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        recorded = {d.expense for d in cls.search([
                    ('expense', 'in', [e.id for e in expenses]),
                    ])}
        charge = Config(1).account_expense_charge
        values, handed = [], []
        for expense in expenses:
            if expense in recorded:
                handed.append(expense)
                continue
            if not (expense.receipts
                    and (expense.renunciation or '').strip()
                    and expense.renunciation_date):
                if skip:
                    logger.warning(
                        "Waived expense %s lacks its receipts or its "
                        "renunciation: no gift created", expense.id)
                    continue
                raise ExpenseWaiverError(gettext(
                        'connexion_donation.msg_expense_waiver_incomplete',
                        expense=expense.rec_name))
            values.append(expense._donation_values(company, charge))
            handed.append(expense)
        donations = cls.create(values)
        Expense.hand_over(handed)
        return donations

    @classmethod
    def create_from_expenses_cron(cls):
        """Cron: the gifts of the claims waived since the last run, for the
        cron's company, or for each company when the cron names none (as
        the one created with the module, before any company existed)."""
        Company = Pool().get('company.company')
        company_id = Transaction().context.get('company')
        if company_id is not None and company_id >= 0:
            companies = [Company(company_id)]
        else:
            companies = Company.search([])
        for company in companies:
            with Transaction().set_context(company=company.id):
                cls.create_from_expenses(company, skip=True)


class Expense(metaclass=PoolMeta):
    __name__ = 'connexion.volunteer.expense'

    def _donation_values(self, company, charge):
        "Values of the gift recording this waived claim."
        notes = self.description
        if self.distance:
            notes += f" ({self.distance} km)"
        return {
            'company': company.id,
            'currency': company.currency.id,
            'party': self.volunteer.party.id,
            'donor_type': 'individual',
            'date': self.renunciation_date,
            'amount': self.amount,
            'nature': 'expense_waiver',
            'expense': self.id,
            'expense_account': (charge.id
                if charge and charge.company == company else None),
            'notes': gettext(
                'connexion_donation.msg_expense_waiver_notes',
                description=notes,
                date=self.date.strftime('%d/%m/%Y'),
                renunciation=self.renunciation_date.strftime('%d/%m/%Y')),
            }


class CreateFromExpensesStart(ModelView):
    __name__ = 'connexion.donation.create_from_expenses.start'

    company = fields.Many2One('company.company', "Company", required=True)
    count = fields.Integer("Waived Expenses", readonly=True,
        help="Waived expense claims without a donation yet.")
    amount = fields.Numeric("Total", digits=(16, 2), readonly=True)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_count():
        Expense = Pool().get('connexion.volunteer.expense')
        return len(Expense.to_hand_over())

    @staticmethod
    def default_amount():
        Expense = Pool().get('connexion.volunteer.expense')
        return sum((e.amount for e in Expense.to_hand_over()), Decimal(0))


class CreateFromExpenses(Wizard):
    """Record as gifts the expense claims that volunteers waived, then show
    them to be checked and validated."""
    __name__ = 'connexion.donation.create_from_expenses'

    start = StateView('connexion.donation.create_from_expenses.start',
        'connexion_donation.create_from_expenses_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateAction('connexion_donation.act_donation_form')

    def do_create_(self, action):
        Donation = Pool().get('connexion.donation')
        donations = Donation.create_from_expenses(self.start.company)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [d.id for d in donations])])
        return action, {}
