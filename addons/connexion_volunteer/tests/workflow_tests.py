"""Workflow fields refused to client calls (issue 13, finding 2), mixed into
the test case. The RPC test of every model is tests/test_rpc_access.py."""
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from connexion_asso.exceptions import WorkflowFieldError
from connexion_asso.workflow import workflow_values_allowed

from .volunteer_tests import TODAY, make_mission, make_volunteer


def staff_user(login, group='group_team_hospitals'):
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{'login': login, 'name': login,
                'groups': [('add', [
                            ModelData.get_id('connexion_asso', group)])]}])
    return user


class WorkflowFieldsTestMixin:

    @with_transaction()
    def test_workflow_fields_client(self):
        "A client moves hours only through the buttons, the server freely"
        pool = Pool()
        Hours = pool.get('connexion.volunteer.hours')
        Rate = pool.get('connexion.volunteer.rate')
        Level = pool.get('connexion.volunteer.level')
        smic, = Level.search([('code', '=', 'SMIC')])
        Rate.create([{'level': smic.id, 'start_date': TODAY.replace(day=1),
                    'hourly_rate': Decimal('12.00')}])
        anne = make_volunteer("Anne Test")
        mission = make_mission()
        values = {'volunteer': anne.id, 'mission': mission.id,
            'date': TODAY, 'hours': Decimal(2)}
        staff = staff_user('staff')
        transaction = Transaction()
        with transaction.set_user(staff.id), \
                transaction.set_context(_check_access=True):
            line, = Hours.create([{**values, 'state': 'draft'}])
            for forged in [{'state': 'validated'}, {'amount': Decimal(99)},
                    {'validated_by': staff.id}, {'origin': 'portal'}]:
                with self.subTest(forged=forged):
                    with self.assertRaises(WorkflowFieldError) as refused:
                        Hours.create([{**values, **forged}])
                    self.assertIsInstance(refused.exception, AccessError)
                    with self.assertRaises(WorkflowFieldError):
                        Hours.write([line], forged)
            # The button validates: rate frozen, validating user stamped.
            Hours.validate_hours([line])
            line = Hours(line.id)
            self.assertEqual((line.state, line.amount, line.validated_by),
                ('validated', Decimal('24.00'), staff))
            # Once validated, the hours that were valued stay as they were.
            with self.assertRaises(WorkflowFieldError):
                Hours.write([line], {'hours': Decimal(9)})
            # A copy starts over as a draft without the stamps.
            copy, = Hours.copy([line])
            self.assertEqual((copy.state, copy.amount, copy.validated_by),
                ('draft', None, None))
            Hours.write([copy], {'hours': Decimal(3)})
            with self.assertRaises(WorkflowFieldError):
                Hours.copy([line], {'state': 'validated'})
            # Server code on behalf of the user (an import of history).
            with workflow_values_allowed():
                old, = Hours.create([{**values, 'state': 'refused'}])
            self.assertEqual(old.state, 'refused')
        # Server code (crons, portal, transitions) is not a client.
        Hours.write([line], {'hours': Decimal(9)})
