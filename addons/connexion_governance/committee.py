"""Steering committees and the decision log of a project."""

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from connexion_asso.workflow import TransitionOnlyMixin

from .exceptions import CommitteeMinutesError, SponsorValidationError

# The decisions published to the volunteers (portal).
PUBLISHED_STATES = ('validated', 'done')


class Committee(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.committee'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='RESTRICT',
        domain=[('type', '=', 'project')],
        states={'readonly': Eval('state') == 'held'})
    name = fields.Char("Name", required=True)
    date = fields.Date("Date", required=True)
    attendees = fields.Many2Many(
        'connexion.committee.attendee', 'committee', 'user', "Attendees")
    agenda = fields.Text("Agenda")
    minutes = fields.Text(
        "Minutes", states={'required': Eval('state') == 'held'})
    decisions = fields.One2Many(
        'connexion.decision', 'committee', "Decisions",
        domain=[('project', '=', Eval('project', -1))])
    state = fields.Selection([
            ('planned', "Planned"),
            ('held', "Held"),
            ], "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('planned', 'held'), ('held', 'planned')}
        cls._buttons.update({
                'hold': {
                    'invisible': Eval('state') != 'planned',
                    'depends': ['state'],
                    },
                'plan': {
                    'invisible': Eval('state') != 'held',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'planned'

    @classmethod
    @ModelView.button
    @Workflow.transition('held')
    def hold(cls, committees):
        "The minutes are required once the committee has met."
        for committee in committees:
            if not committee.minutes:
                raise CommitteeMinutesError(gettext(
                        'connexion_governance.msg_committee_minutes',
                        committee=committee.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def plan(cls, committees):
        pass


class CommitteeAttendee(ModelSQL):
    __name__ = 'connexion.committee.attendee'

    committee = fields.Many2One(
        'connexion.committee', "Committee", required=True,
        ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')


class Decision(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.decision'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='RESTRICT',
        domain=[('type', '=', 'project')],
        states={'readonly': Eval('state') != 'draft'})
    committee = fields.Many2One(
        'connexion.committee', "Committee", ondelete='SET NULL',
        domain=[('project', '=', Eval('project', -1))],
        states={'readonly': Eval('state') != 'draft'})
    name = fields.Char(
        "Decision", required=True,
        states={'readonly': Eval('state') != 'draft'})
    description = fields.Text("Description")
    owner = fields.Many2One(
        'res.user', "Owner", required=True, ondelete='RESTRICT',
        help="Who carries out the decision.")
    due_date = fields.Date("Due Date")
    sponsor_validation = fields.Boolean(
        "Sponsor Validation",
        states={'readonly': Eval('state') != 'draft'},
        help="A sponsor of the project must validate the decision.")
    validated_by = fields.Many2One(
        'res.user', "Validated by", readonly=True, ondelete='RESTRICT')
    validation_date = fields.Date("Validation Date", readonly=True)
    ideas = fields.One2Many('connexion.idea', 'decision', "Ideas")
    state = fields.Selection([
            ('draft', "Draft"),
            ('validated', "Validated"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('due_date', 'ASC NULLS LAST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'validated'),
            ('validated', 'done'),
            ('draft', 'cancelled'),
            ('validated', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'validate_decision': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': Eval('state') != 'validated',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'validated']),
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'draft'

    @classmethod
    def _transition_fields(cls):
        "The validating step records the sponsor and the day."
        return super()._transition_fields() | {
            'validated_by', 'validation_date'}

    @classmethod
    def _state_locked_fields(cls):
        # Whether a sponsor must validate is checked by the step.
        locked = super()._state_locked_fields()
        locked['sponsor_validation'] = {'draft'}
        locked['project'] = {'draft'}
        return locked

    @staticmethod
    def default_sponsor_validation():
        return False

    @classmethod
    def default_owner(cls):
        return Transaction().user or None

    @fields.depends(
        'committee', 'project', '_parent_committee.project',
        '_parent_project.id')
    def on_change_committee(self):
        if self.committee and not self.project:
            self.project = self.committee.project

    @classmethod
    @ModelView.button
    @Workflow.transition('validated')
    def validate_decision(cls, decisions):
        "Key decisions are validated by a sponsor of the project."
        user = Transaction().user
        for decision in decisions:
            if (decision.sponsor_validation and user
                    and not decision.project.is_sponsor(user)):
                raise SponsorValidationError(gettext(
                        'connexion_governance.msg_decision_sponsor',
                        decision=decision.rec_name,
                        project=decision.project.rec_name))
        cls.write(decisions, {
                'validated_by': user or None,
                'validation_date': Pool().get('ir.date').today(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, decisions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, decisions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, decisions):
        cls.write(decisions, {'validated_by': None, 'validation_date': None})
