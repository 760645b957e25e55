"""The yearly entry of volunteer time: contributions volontaires en nature.

The plan comptable associatif shows volunteer work below the income
statement: the year's validated hours × rate are debited to 864 (personnel
bénévole) and credited to 875 (bénévolat). One posting record per year and
company (its unique key refuses a concurrent twin), made only once the year
is over; hours validated later are added by an adjusting entry as long as
the fiscal year is open.
"""
import datetime as dt
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import ValuationError

DEBIT_CODE, CREDIT_CODE = '864', '875'


class ValuationPosting(ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.valuation.posting'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True,
        ondelete='RESTRICT')
    year = fields.Integer("Year", required=True, readonly=True)
    hours = fields.Numeric(
        "Hours", digits=(16, 2), required=True, readonly=True)
    amount = fields.Numeric(
        "Valuation", digits=(16, 2), required=True, readonly=True)
    move = fields.Many2One(
        'account.move', "Move", readonly=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('company_year_unique', Unique(t, t.company, t.year),
                'connexion_account_asso.msg_valuation_posted'),
            ]
        cls._order = [('year', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return str(self.year)

    @classmethod
    def post_year(cls, company, year, journal):
        """Post the year's valuation on the company in the journal: 864
        debit, 875 credit (accounts of the chart's templates)."""
        pool = Pool()
        Valuation = pool.get('connexion.volunteer.valuation')
        Account = pool.get('account.account')
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        FiscalYear = pool.get('account.fiscalyear')
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        date = dt.date(year, 12, 31)
        with Transaction().set_context(company=company.id):
            today = Date.today()
        if today <= date:
            # Hours are still being given and validated: the entry of an
            # unfinished year would be final and incomplete.
            raise ValuationError(gettext(
                    'connexion_account_asso.msg_valuation_year_not_ended',
                    year=year, date=Lang.get().strftime(
                        date + dt.timedelta(days=1))))
        previous = cls.search([
                ('company', '=', company.id), ('year', '=', year)], limit=1)
        if previous:
            # Locked and read again: a concurrent adjustment waits, then
            # finds the new totals posted and nothing left to adjust.
            cls.lock(previous)
            previous, = cls.browse([p.id for p in previous])
            fiscalyear = FiscalYear.search([
                    ('company', '=', company.id),
                    ('start_date', '<=', date), ('end_date', '>=', date),
                    ], limit=1)
            if not fiscalyear or fiscalyear[0].state != 'open':
                raise ValuationError(gettext(
                        'connexion_account_asso.msg_valuation_posted_year',
                        year=year, company=company.rec_name))
        hours, amount = Valuation.totals(year)
        cent = Decimal('0.01')
        hours, amount = hours.quantize(cent), amount.quantize(cent)
        if previous:
            hours -= previous.hours
            amount -= previous.amount
            if not amount:
                raise ValuationError(gettext(
                        'connexion_account_asso.msg_valuation_unchanged',
                        year=year))
        elif not amount:
            raise ValuationError(gettext(
                    'connexion_account_asso.msg_valuation_nothing', year=year))

        def accounts():
            return {a.code: a for a in Account.search([
                        ('company', '=', company.id),
                        ('code', 'in', [DEBIT_CODE, CREDIT_CODE]),
                        ('closed', '!=', True),
                        ('type', '!=', None),
                        ])}
        found = accounts()
        if len(found) < 2:
            raise ValuationError(gettext(
                    'connexion_account_asso.msg_valuation_no_account',
                    company=company.rec_name))
        period = Period.find(company, date=date)
        if previous:
            description = gettext(
                'connexion_account_asso.msg_valuation_adjustment', year=year,
                hours=hours)
            posting = previous
            cls.write([posting], {
                    'hours': posting.hours + hours,
                    'amount': posting.amount + amount,
                    })
        else:
            description = gettext(
                'connexion_account_asso.msg_valuation_description', year=year,
                hours=hours)
            # The posting first: its unique key refuses a concurrent twin.
            posting, = cls.create([{
                        'company': company.id, 'year': year, 'hours': hours,
                        'amount': amount}])
        # A lower total (hours validated by mistake, then refused) is
        # posted the other way round.
        debit, credit = ((found[DEBIT_CODE], found[CREDIT_CODE])
            if amount > 0 else (found[CREDIT_CODE], found[DEBIT_CODE]))
        amount = abs(amount)
        move = Move(company=company, journal=journal, period=period,
            date=date, origin=posting, description=description, lines=[
                Line(account=debit, debit=amount,
                    credit=Decimal(0), description=description),
                Line(account=credit, debit=Decimal(0),
                    credit=amount, description=description),
                ])
        with without_check_access():
            move.save()
            Move.post([move])
        if not previous:
            posting.move = move
            posting.save()
        return posting

    @classmethod
    def delete(cls, postings):
        "The posted entry is the proof: it is cancelled in accounting."
        raise ValuationError(gettext(
                'connexion_account_asso.msg_valuation_delete'))


class PostValuationStart(ModelView):
    __name__ = 'connexion.volunteer.valuation.post.start'

    company = fields.Many2One('company.company', "Company", required=True)
    journal = fields.Many2One('account.journal', "Journal", required=True,
        domain=[('type', '=', 'general')])
    year = fields.Integer("Year", required=True,
        help="The validated hours of this year are posted on 31 December, "
        "once the year is over; hours validated later are added by posting "
        "the year again while its fiscal year is open.")

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_journal():
        "The miscellaneous journal of account."
        ModelData = Pool().get('ir.model.data')
        try:
            return ModelData.get_id('account', 'journal_miscellaneous')
        except KeyError:
            return None

    @staticmethod
    def default_year():
        return Pool().get('ir.date').today().year - 1


class PostValuation(Wizard):
    """Post a year's volunteer time on 864/875, once.

    The valuation lines come from the validated hours (connexion_asso)."""
    __name__ = 'connexion.volunteer.valuation.post'

    start = StateView('connexion.volunteer.valuation.post.start',
        'connexion_account_asso.valuation_post_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Post", 'post', 'tryton-ok', default=True),
            ])
    post = StateTransition()

    def transition_post(self):
        Posting = Pool().get('connexion.volunteer.valuation.posting')
        Posting.post_year(
            self.start.company, self.start.year, self.start.journal)
        return 'end'


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + [
            'connexion.volunteer.valuation.posting']
