"""Workflow states and the values their steps stamp change only by steps.

``readonly`` and ``states`` are hints for the client: nothing on the server
stops a JSON-RPC ``write({'state': 'closed'})``. Every Connexion model with a
workflow mixes this in, so that a client call (``external``: the RPC context
checks access) can neither create nor write the state nor the fields its
steps set (approvals, dates, amounts frozen by a step). The steps themselves
run as buttons (``ModelView.button`` writes without access checks), crons,
portal routes and demo data run on the server: they are not concerned.
"""
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .exceptions import WorkflowDeleteError, WorkflowFieldError


def workflow_values_allowed():
    """Context for server code that sets workflow values itself on behalf of
    a user (an import of the association's history): the key is private, an
    RPC client cannot send it."""
    return Transaction().set_context(_workflow_values=True)


class TransitionOnlyMixin:
    "Refuse to clients the fields that only a workflow step may set."
    __slots__ = ()

    @classmethod
    def _transition_fields(cls):
        """Names of the fields only a step (or server code) sets: the state
        and e.g. approval dates, validating users, frozen amounts. Extended
        by each model (and module) with super()."""
        return {cls._transition_state}

    @classmethod
    def _state_locked_fields(cls):
        """{field name: states in which a client may still change it}:
        values a step checks then relies on (the illness confirmed by the
        eligibility step, the amount of a validated gift...)."""
        return {}

    @classmethod
    def _transition_default(cls, name):
        default = cls._defaults.get(name)
        return default() if default else None

    @classmethod
    def _client_call(cls):
        transaction = Transaction()
        return bool(transaction.user and transaction.check_access
            and not transaction.context.get('_workflow_values'))

    @classmethod
    def _raise_transition_field(cls, name):
        raise WorkflowFieldError(gettext(
                'connexion_asso.msg_workflow_field', **cls.__names__(name)))

    @classmethod
    def _check_transition_create(cls, vlist):
        """Refuse the values of a client's create that a step sets: only the
        defaults (the first state, no stamps) are accepted."""
        if not cls._client_call():
            return
        locked = cls._state_locked_fields()
        state = cls._transition_default(cls._transition_state)
        for values in vlist:
            for name in sorted(cls._transition_fields() & values.keys()):
                default = cls._transition_default(name)
                if values[name] != default and (values[name] or default):
                    cls._raise_transition_field(name)
            for name in sorted(locked.keys() & values.keys()):
                if state not in locked[name] and values[name]:
                    cls._raise_transition_field(name)

    @classmethod
    def create(cls, vlist):
        # Checked before the insert, so that the refusal is the first error
        # a client gets, whatever else is missing from the values.
        cls._check_transition_create(vlist)
        return super().create(vlist)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if (mode != 'write' or not external
                or Transaction().context.get('_workflow_values')):
            return
        for name in sorted(cls._transition_fields() & values.keys()):
            cls._raise_transition_field(name)
        locked = cls._state_locked_fields()
        for name in sorted(locked.keys() & values.keys()):
            for record in records:
                state = getattr(record, cls._transition_state)
                if state not in locked[name]:
                    names = cls.__names__(name, record=record)
                    raise WorkflowFieldError(gettext(
                            'connexion_asso.msg_workflow_field_locked',
                            state=dict(cls.fields_get(
                                    [cls._transition_state])[
                                    cls._transition_state]['selection']
                                ).get(state, state),
                            **names))

    @classmethod
    def copy(cls, records, default=None):
        "A copy starts over: what the steps stamped is not copied."
        default = default.copy() if default is not None else {}
        for name in cls._transition_fields() - {cls._transition_state}:
            field = cls._fields.get(name)
            if (field is not None and not isinstance(field, fields.Function)
                    and field._type not in {'one2many', 'many2many'}):
                default.setdefault(name, cls._transition_default(name))
        return super().copy(records, default=default)


class DraftDeleteMixin:
    """Only a draft that nothing refers to yet is deleted (a posted gift, a
    started SEPA plan are cancelled or closed instead, their history kept).
    The model says what refers to its drafts (_delete_blocked) and words
    the refusal (workflow_message('delete_draft'))."""
    __slots__ = ()

    def _delete_blocked(self):
        "Whether something (a move, gifts) already refers to the record."
        return False

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'delete':
            for record in records:
                if record.state != 'draft' or record._delete_blocked():
                    raise WorkflowDeleteError(
                        record.workflow_message('delete_draft'))


class PostingWorkflowMixin(DraftDeleteMixin, TransitionOnlyMixin):
    """Draft, validated by posting its accounting move, cancelled by
    reversing it: gifts (those of the SEPA debits too) and membership fees.

    The model names its validating button (_validate_button, a transition
    to 'validated' that calls post()), builds its move (get_move) and says
    what refuses a step (check_validate, check_cancel) and how its errors
    read (workflow_message)."""
    __slots__ = ()
    _validate_button = None

    move = fields.Many2One(
        'account.move', "Move", readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    cancel_move = fields.Many2One(
        'account.move', "Cancel Move", readonly=True,
        domain=[('company', '=', Eval('company', -1))])
    state = fields.Selection([
            ('draft', "Draft"),
            ('validated', "Validated"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('draft', 'validated'),
            ('draft', 'cancelled'),
            ('validated', 'cancelled'),
            }
        cls._buttons.update({
                cls._validate_button: {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') == 'cancelled',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def _transition_fields(cls):
        "Validating posts the move, cancelling reverses it."
        return super()._transition_fields() | {'move', 'cancel_move'}

    def workflow_message(self, name, **kwargs):
        """The text of the error name (delete_draft...) in the model's own
        words, e.g. gettext('module.msg_model_' + name, ...)."""
        raise NotImplementedError

    def _delete_blocked(self):
        "A move posted (even cancelled since) is kept with its record."
        return super()._delete_blocked() or bool(self.move)

    def check_validate(self):
        "Raise what keeps the record from being validated."

    def get_move(self):
        "The move that records the amount, not saved (None: nothing posted)."
        raise NotImplementedError

    @classmethod
    def post(cls, records):
        """Post the moves of the records being validated (the body of the
        model's validating button)."""
        Move = Pool().get('account.move')
        for record in records:
            record.check_validate()
        moves = {}
        for record in records:
            move = record.get_move()
            if move:
                moves[record] = move
        with without_check_access():
            Move.save(list(moves.values()))
            Move.post(list(moves.values()))
        for record, move in moves.items():
            record.move = move
        cls.save(list(moves))

    @classmethod
    def check_cancel(cls, records):
        "Raise what keeps the records from being cancelled."

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, records):
        "Reverse the posted moves."
        Move = Pool().get('account.move')
        cls.check_cancel(records)
        to_save = []
        with without_check_access():
            for record in records:
                if record.move and not record.cancel_move:
                    record.cancel_move = record.move.cancel()
                    Move.post([record.cancel_move])
                    to_save.append(record)
        cls.save(to_save)


class VolunteerWriteMixin:
    """Back-office volunteers (group "Volunteers": dream tutors...) write
    only the fields their part of the work needs on the records they follow;
    the rest is the staff's. Model access gives them write access to the
    model, this narrows it to _volunteer_fields()."""
    __slots__ = ()

    @classmethod
    def _volunteer_fields(cls):
        "Names of the fields a back-office volunteer may write."
        return set()

    @classmethod
    def _volunteer_only(cls):
        "Whether the user is a back-office volunteer and not staff."
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        groups = set(User.get_groups())
        return (ModelData.get_id('connexion_asso', 'group_volunteer') in groups
            and ModelData.get_id('connexion_asso', 'group_connexion')
            not in groups)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode != 'write' or not external or not cls._volunteer_only():
            return
        for name in sorted(set(values) - cls._volunteer_fields()):
            raise WorkflowFieldError(gettext(
                    'connexion_asso.msg_volunteer_field',
                    **cls.__names__(name)))
