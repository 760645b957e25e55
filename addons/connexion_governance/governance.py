"""Governance of a project (Tryton ``project.work``): who steers it, its
phases and milestones, how success is measured, its risks and how it is
communicated."""
import json
import os

from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import PeriodError

GOVERNANCE_STATES = {'invisible': Eval('type') != 'project'}


class DatesMixin:
    "A period whose end may not come before its start."
    __slots__ = ()

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if (record.start_date and record.end_date
                    and record.end_date < record.start_date):
                raise PeriodError(gettext(
                        'connexion_governance.msg_dates_order',
                        record=record.rec_name))


class Work(metaclass=PoolMeta):
    __name__ = 'project.work'

    sponsors = fields.Many2Many(
        'connexion.project.sponsor', 'project', 'user', "Sponsors",
        states=GOVERNANCE_STATES,
        help="Strategic sponsors: they are consulted at every key step and "
        "validate the decisions that require it.")
    referents = fields.One2Many(
        'connexion.project.referent', 'project', "Referents",
        states=GOVERNANCE_STATES,
        help="The operational referent of each team for the project.")
    phases = fields.One2Many(
        'connexion.project.phase', 'project', "Phases",
        states=GOVERNANCE_STATES)
    milestones = fields.One2Many(
        'connexion.project.milestone', 'project', "Milestones",
        states=GOVERNANCE_STATES)
    indicators = fields.One2Many(
        'connexion.project.indicator', 'project', "Success Indicators",
        states=GOVERNANCE_STATES)
    risks = fields.One2Many(
        'connexion.project.risk', 'project', "Risks",
        states=GOVERNANCE_STATES)
    communications = fields.One2Many(
        'connexion.project.communication', 'project', "Communication Plan",
        states=GOVERNANCE_STATES)
    committees = fields.One2Many(
        'connexion.committee', 'project', "Steering Committees",
        states=GOVERNANCE_STATES)
    decisions = fields.One2Many(
        'connexion.decision', 'project', "Decisions",
        states=GOVERNANCE_STATES)

    def is_sponsor(self, user_id):
        return user_id in {u.id for u in self.sponsors}


class ProjectSponsor(ModelSQL):
    __name__ = 'connexion.project.sponsor'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('project_user_unique', Unique(t, t.project, t.user),
                'connexion_governance.msg_sponsor_unique'),
            ]


class ProjectReferent(ModelSQL, ModelView):
    __name__ = 'connexion.project.referent'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    team = fields.Many2One(
        'connexion.team', "Team", required=True, ondelete='RESTRICT')
    user = fields.Many2One(
        'res.user', "Referent", required=True, ondelete='RESTRICT')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('project_team_unique', Unique(t, t.project, t.team),
                'connexion_governance.msg_referent_team_unique'),
            ]

    @fields.depends('team', 'user')
    def on_change_team(self):
        if self.team and not self.user and self.team.referents:
            self.user = self.team.referents[0]


class Phase(DatesMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'connexion.project.phase'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    start_date = fields.Date("Start Date")
    end_date = fields.Date("End Date")
    description = fields.Text("Description")


class Milestone(ModelSQL, ModelView):
    __name__ = 'connexion.project.milestone'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    phase = fields.Many2One(
        'connexion.project.phase', "Phase", ondelete='SET NULL',
        domain=[('project', '=', Eval('project', -1))])
    name = fields.Char("Name", required=True)
    planned_date = fields.Date("Planned Date", required=True)
    reached_date = fields.Date("Reached Date")
    reached = fields.Function(fields.Boolean("Reached"), 'get_reached')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('planned_date', 'ASC'), ('id', 'ASC')]

    def get_reached(self, name):
        return bool(self.reached_date)


class Indicator(ModelSQL, ModelView):
    __name__ = 'connexion.project.indicator'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    unit = fields.Char("Unit")
    target = fields.Float("Target", required=True)
    measured = fields.Float("Measured Value")
    measure_date = fields.Date("Measure Date")
    achieved = fields.Function(fields.Boolean(
            "Achieved",
            help="The measured value reaches the target."), 'get_achieved')

    def get_achieved(self, name):
        return self.measured is not None and self.measured >= self.target


class Risk(ModelSQL, ModelView):
    __name__ = 'connexion.project.risk'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    category = fields.Selection([
            ('delay', "Delay"),
            ('cost', "Cost"),
            ('compliance', "Compliance"),
            ('change', "Change Management"),
            ('other', "Other"),
            ], "Category", required=True)
    level = fields.Selection([
            ('low', "Low"),
            ('medium', "Medium"),
            ('high', "High"),
            ], "Level", required=True)
    owner = fields.Many2One(
        'res.user', "Owner", required=True, ondelete='RESTRICT',
        help="Who watches the risk and carries its mitigation.")
    mitigation = fields.Text("Mitigation", required=True)

    @staticmethod
    def default_level():
        return 'medium'


class Communication(ModelSQL, ModelView):
    __name__ = 'connexion.project.communication'

    project = fields.Many2One(
        'project.work', "Project", required=True, ondelete='CASCADE')
    content = fields.Char("Content", required=True)
    channel = fields.Selection([
            ('meeting', "Meeting"),
            ('email', "E-mail"),
            ('portal', "Portal"),
            ('newsletter', "Newsletter"),
            ('board', "Notice Board"),
            ('other', "Other"),
            ], "Channel", required=True)
    periodicity = fields.Selection([
            ('once', "Once"),
            ('weekly', "Weekly"),
            ('monthly', "Monthly"),
            ('quarterly', "Quarterly"),
            ('milestone', "At Each Milestone"),
            ], "Periodicity", required=True)
    audience = fields.Char("Audience", required=True)


def checklist():
    "The CRM/ERP project checklist (seed 003): chapters, items, points."
    path = os.path.join(os.path.dirname(__file__), 'data', 'checklist.json')
    with open(path, encoding='utf-8') as fp:
        return json.load(fp)


class CreateProjectStart(ModelView):
    __name__ = 'connexion.project.template.start'

    name = fields.Char("Name", required=True)
    company = fields.Many2One('company.company', "Company", required=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class CreateProject(Wizard):
    """Create a CRM/ERP project from the checklist of seed 003: one
    sub-project per chapter, one task per item (its points in the comment),
    and the usual phases."""
    __name__ = 'connexion.project.template'

    start = StateView(
        'connexion.project.template.start',
        'connexion_governance.project_template_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateTransition()

    def transition_create_(self):
        pool = Pool()
        Work = pool.get('project.work')
        data = checklist()
        chapters = []
        for chapter in data['chapters']:
            chapters.append({
                    'name': chapter['name'],
                    'type': 'project',
                    'company': self.start.company.id,
                    'children': [('create', [{
                                    'name': item['name'],
                                    'type': 'task',
                                    'company': self.start.company.id,
                                    'comment': '\n'.join(
                                        f'☐ {p}' for p in item['points']),
                                    } for item in chapter['items']])],
                    })
        project, = Work.create([{
                    'name': self.start.name,
                    'type': 'project',
                    'company': self.start.company.id,
                    'children': [('create', chapters)],
                    'phases': [('create', [
                                {'name': name, 'sequence': i}
                                for i, name in enumerate(data['phases'])])],
                    }])
        return 'end'
