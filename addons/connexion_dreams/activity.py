"""The activities of a dream: the next step asked for, reminders and
tasks, with their due dates."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval

from .dream import STATES, STEP_DELAYS


class Activity(ModelSQL, ModelView):
    __name__ = 'connexion.dream.activity'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    kind = fields.Selection([
            ('step', "Next Step"),
            ('reminder', "Reminder"),
            ('task', "Task"),
            ], "Kind", required=True)
    description = fields.Char("Description", required=True)
    due_date = fields.Date("Due Date", required=True)
    assignee = fields.Many2One(
        'connexion.volunteer', "Assignee", ondelete='SET NULL')
    done = fields.Boolean("Done")
    done_date = fields.Date(
        "Done Date", states={'invisible': ~Eval('done')})
    urgent = fields.Function(
        fields.Boolean("Urgent"), 'get_dream_field')
    dream_state = fields.Function(
        fields.Selection(STATES, "Dream State"), 'get_dream_field')
    overdue = fields.Function(
        fields.Boolean("Overdue",
            help="Not done and due before today."),
        'get_overdue', searcher='search_overdue')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('done', 'ASC'), ('due_date', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_kind():
        return 'task'

    @staticmethod
    def default_done():
        return False

    def get_dream_field(self, name):
        return getattr(self.dream, {'dream_state': 'state'}.get(name, name))

    def get_overdue(self, name):
        today = Pool().get('ir.date').today()
        return not self.done and self.due_date < today

    @classmethod
    def search_overdue(cls, name, clause):
        "Due before the server's today, not the browser's, and not done."
        today = Pool().get('ir.date').today()
        _, operator, value = clause
        domain = [('done', '=', False), ('due_date', '<', today)]
        if (operator == '=') == bool(value):
            return domain
        return ['OR', ('done', '=', True), ('due_date', '>=', today)]

    @classmethod
    def step_values(cls, dream, state, date=None):
        "The activity that asks for the next step, due after its delay."
        pool = Pool()
        Configuration = pool.get('connexion.dream.configuration')
        config = Configuration(1)
        days = STEP_DELAYS[state]
        if dream.urgent:
            days = min(days, config.urgent_reminder_days)
        return {
            'dream': dream.id,
            'kind': 'step',
            'description': gettext(f'connexion_dreams.msg_activity_{state}'),
            'due_date': (
                (date or Pool().get('ir.date').today())
                + dt.timedelta(days=days)),
            'assignee': dream.tutor.id if dream.tutor else None,
            }

    @classmethod
    def reminder_values(cls, dream, date, last_news):
        return {
            'dream': dream.id,
            'kind': 'reminder',
            'description': gettext(
                'connexion_dreams.msg_activity_reminder',
                days=(date - last_news).days),
            'due_date': date,
            'assignee': dream.tutor.id if dream.tutor else None,
            }

    @classmethod
    def close_open(cls, dreams):
        "A step reached answers the open steps and reminders."
        activities = cls.search([
                ('dream', 'in', [d.id for d in dreams]),
                ('kind', 'in', ['step', 'reminder']),
                ('done', '=', False),
                ])
        if activities:
            cls.write(activities, {
                    'done': True, 'done_date': Pool().get('ir.date').today()})

    @classmethod
    def on_modification(cls, mode, activities, field_names=None):
        "An activity done is news of the dream."
        pool = Pool()
        Dream = pool.get('connexion.dream')
        super().on_modification(mode, activities, field_names=field_names)
        if mode == 'write' and 'done' in (field_names or set()):
            dreams = {a.dream for a in activities if a.done}
            if dreams:
                Dream.write(list(dreams), {
                        'last_news_date': Pool().get('ir.date').today()})
