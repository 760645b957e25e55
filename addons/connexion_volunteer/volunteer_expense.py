"""Expenses a volunteer paid for the association: reimbursed, or waived.

Abandon de frais: a volunteer may expressly renounce the reimbursement of
expenses paid for the objet social, with receipts; the waived amount is then
a gift for which a tax receipt (CERFA 11580, "frais engagés par les
bénévoles") is issued. The donations module turns each waived claim not yet
handed over into a donation (``to_hand_over`` / ``hand_over``).
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from connexion_asso.workflow import TransitionOnlyMixin

from .exceptions import ExpenseError
from .hours import PastDatedMixin


class Expense(
        TransitionOnlyMixin, PastDatedMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.expense'
    _future_message = 'connexion_volunteer.msg_expense_future'

    _states = {'readonly': Eval('state') != 'draft'}

    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True,
        ondelete='RESTRICT', states=_states)
    mission = fields.Many2One(
        'connexion.mission', "Mission", ondelete='RESTRICT', states=_states)
    date = fields.Date("Date", required=True, states=_states)
    description = fields.Char(
        "Description", required=True, states=_states,
        help="What was paid, for which action of the association.")
    amount = fields.Numeric(
        "Amount", digits=(16, 2), required=True, states=_states,
        domain=[('amount', '>', 0)])
    distance = fields.Integer(
        "Distance (km)", states=_states,
        domain=['OR', ('distance', '=', None), ('distance', '>=', 0)],
        help="For car expenses valued at the kilometric scale.")
    receipts = fields.Boolean(
        "Receipts Received", states=_states,
        help="The supporting documents are attached or filed.")
    renunciation_date = fields.Date(
        "Renunciation Date", readonly=True,
        help="Date of the volunteer's express written renunciation.")
    renunciation = fields.Text(
        "Renunciation", states={
            'readonly': Eval('state') != 'approved',
            },
        help="The volunteer's written statement renouncing the "
        "reimbursement (or where it is filed).")
    handed_over = fields.Boolean(
        "Handed over to Donations", readonly=True,
        help="A donation was recorded for the waived amount.")
    state = fields.Selection([
            ('draft', "Draft"),
            ('approved', "Approved"),
            ('reimbursed', "Reimbursed"),
            ('waived', "Waived (Gift)"),
            ('refused', "Refused"),
            ], "State", required=True, readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'approved'), ('draft', 'refused'),
            ('approved', 'reimbursed'), ('approved', 'waived'),
            ('approved', 'draft'), ('refused', 'draft'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'refuse': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'reimburse': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state']},
                'waive': {
                    'invisible': Eval('state') != 'approved',
                    'depends': ['state']},
                'draft': {
                    'invisible': ~Eval('state').in_(['approved', 'refused']),
                    'depends': ['state']},
                })

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_handed_over():
        return False

    @classmethod
    def _transition_fields(cls):
        "Waiving dates the renunciation; the donations module hands over."
        return super()._transition_fields() | {
            'renunciation_date', 'handed_over'}

    @classmethod
    def _state_locked_fields(cls):
        locked = super()._state_locked_fields()
        for name in ['volunteer', 'mission', 'date', 'description', 'amount',
                'distance', 'receipts']:
            locked[name] = {'draft'}
        # Written while approved, read by the waiving step.
        locked['renunciation'] = {'draft', 'approved'}
        return locked

    def get_rec_name(self, name):
        return '%s - %s - %s' % (
            self.volunteer.rec_name, self.date.strftime('%d/%m/%Y'),
            self.description)

    @classmethod
    def mileage_rate(cls):
        "The association's allowance in euros per km, or None."
        Association = Pool().get('connexion.association')
        association = Association.get_singleton()
        return association.mileage_rate if association else None

    @classmethod
    def mileage_amount(cls, distance):
        """The allowance for distance km at the association's rate, or
        None when the association has set none."""
        rate = cls.mileage_rate()
        if not rate or distance is None:
            return None
        return (rate * distance).quantize(Decimal('0.01'))

    @classmethod
    def submit(cls, volunteer, date, description, amount, distance=None,
            mission=None, waive=False):
        """A claim typed by the volunteer on the portal, to be approved.

        Kilometres alone are enough: the amount is then the association's
        mileage allowance. With waive, the volunteer's statement renouncing
        the reimbursement is recorded with it: staff still check the
        receipts, then waive."""
        pool = Pool()
        Signup = pool.get('connexion.mission.signup')
        if amount is None:
            if not distance:
                raise ExpenseError(gettext(
                        'connexion_volunteer.msg_expense_no_amount'))
            amount = cls.mileage_amount(distance)
            if amount is None:
                raise ExpenseError(gettext(
                        'connexion_volunteer.msg_expense_no_mileage_rate'))
        if mission and not Signup.search([
                    ('volunteer', '=', volunteer.id),
                    ('shift.mission', '=', mission.id),
                    ('state', '=', 'accepted'),
                    ], limit=1):
            raise ExpenseError(gettext(
                    'connexion_volunteer.msg_expense_not_signed_up',
                    mission=mission.rec_name))
        renunciation = None
        if waive:
            renunciation = gettext(
                'connexion_volunteer.msg_expense_portal_renunciation',
                name=volunteer.rec_name, amount=amount,
                date=Pool().get('ir.date').today().strftime('%d/%m/%Y'))
        expense, = cls.create([{
                    'volunteer': volunteer.id,
                    'mission': mission.id if mission else None,
                    'date': date, 'description': description,
                    'amount': amount, 'distance': distance,
                    'renunciation': renunciation}])
        return expense

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, expenses):
        "Only expenses with their supporting documents can be accepted."
        for expense in expenses:
            if not expense.receipts:
                raise ExpenseError(gettext(
                        'connexion_volunteer.msg_expense_no_receipts',
                        expense=expense.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, expenses):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('reimbursed')
    def reimburse(cls, expenses):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('waived')
    def waive(cls, expenses):
        "The renunciation must be express and written: it is the proof."
        for expense in expenses:
            if not (expense.renunciation or '').strip():
                raise ExpenseError(gettext(
                        'connexion_volunteer.msg_expense_no_renunciation',
                        expense=expense.rec_name))
        cls.write(expenses, {
                'renunciation_date': Pool().get('ir.date').today()})

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, expenses):
        pass

    @classmethod
    def to_hand_over(cls):
        "Waived expenses for which no donation was recorded yet."
        return cls.search([
                ('state', '=', 'waived'),
                ('handed_over', '=', False),
                ], order=[('date', 'ASC'), ('id', 'ASC')])

    @classmethod
    def hand_over(cls, expenses):
        "Called by the donations module once the donation is recorded."
        with Transaction().set_context(_check_access=False):
            cls.write(expenses, {'handed_over': True})

    @classmethod
    def delete(cls, expenses):
        for expense in expenses:
            if expense.state not in {'draft', 'refused'}:
                raise ExpenseError(gettext(
                        'connexion_volunteer.msg_expense_delete',
                        expense=expense.rec_name))
        super().delete(expenses)
