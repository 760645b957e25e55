"""Missions posted by a team, their shifts and the volunteers' sign-ups.

Seats are counted on accepted sign-ups only: a volunteer who signs up to a
full shift waits, and takes the first seat freed by a cancellation.
"""
import datetime as dt

from sql import For

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from connexion_asso.exceptions import portal_message
from connexion_asso.workflow import TransitionOnlyMixin

from .exceptions import MissionScheduleError, SignupError


class Mission(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.mission'

    _states = {'readonly': Eval('state') == 'closed'}

    name = fields.Char("Name", required=True, states=_states)
    team = fields.Many2One(
        'connexion.team', "Team", required=True, states=_states)
    description = fields.Text("Description", states=_states)
    place = fields.Char("Place", states=_states)
    seats = fields.Integer(
        "Seats", required=True, states=_states,
        domain=[('seats', '>', 0)],
        help="Volunteers needed on each shift (default of new shifts).")
    skills = fields.Many2Many(
        'connexion.mission-connexion.volunteer.skill', 'mission', 'skill',
        "Required Skills", states=_states)
    minors = fields.Boolean(
        "Contact with Minors", states=_states,
        help="Volunteers need a valid criminal-record check.")
    self_signup = fields.Boolean(
        "Open to Self Sign-Up", states=_states,
        help="Volunteers may sign up on the portal.")
    recurrence = fields.Selection([
            (None, "One-off"),
            ('weekly', "Weekly"),
            ], "Recurrence", states=_states)
    first_start = fields.DateTime("First Shift Start", states=_states)
    first_end = fields.DateTime(
        "First Shift End", states=_states,
        domain=[If(Eval('first_end') & Eval('first_start'),
                ('first_end', '>', Eval('first_start')), ())])
    until = fields.Date(
        "Repeat Until", states={
            'invisible': Eval('recurrence') != 'weekly',
            'required': Eval('recurrence') == 'weekly',
            'readonly': Eval('state') == 'closed',
            })
    shifts = fields.One2Many(
        'connexion.mission.shift', 'mission', "Shifts", states=_states)
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('first_start', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'open'), ('open', 'closed'), ('closed', 'open'),
            ('open', 'draft'),
            }
        cls._buttons.update({
                'draft': {'invisible': Eval('state') != 'open',
                    'depends': ['state']},
                'open': {'invisible': Eval('state') == 'open',
                    'depends': ['state']},
                'close': {'invisible': Eval('state') != 'open',
                    'depends': ['state']},
                'generate_shifts': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state']},
                })

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_seats():
        return 1

    @staticmethod
    def default_self_signup():
        return True

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, missions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def open(cls, missions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, missions):
        pass

    @classmethod
    @ModelView.button
    def generate_shifts(cls, missions):
        "Create the shifts of the schedule that do not exist yet."
        Shift = Pool().get('connexion.mission.shift')
        to_create = []
        for mission in missions:
            if not mission.first_start or not mission.first_end:
                raise MissionScheduleError(gettext(
                        'connexion_volunteer.msg_mission_no_schedule',
                        mission=mission.rec_name))
            existing = {s.start for s in mission.shifts}
            start, end = mission.first_start, mission.first_end
            last = mission.until if mission.recurrence == 'weekly' else None
            while True:
                if start not in existing:
                    to_create.append({
                            'mission': mission.id, 'start': start, 'end': end,
                            'seats': mission.seats})
                if not last:
                    break
                start += dt.timedelta(days=7)
                end += dt.timedelta(days=7)
                if start.date() > last:
                    break
        Shift.create(to_create)


class MissionSkill(ModelSQL):
    __name__ = 'connexion.mission-connexion.volunteer.skill'
    mission = fields.Many2One(
        'connexion.mission', "Mission", required=True, ondelete='CASCADE')
    skill = fields.Many2One(
        'connexion.volunteer.skill', "Skill", required=True,
        ondelete='CASCADE')


class Shift(ModelSQL, ModelView):
    __name__ = 'connexion.mission.shift'

    mission = fields.Many2One(
        'connexion.mission', "Mission", required=True, ondelete='CASCADE')
    team = fields.Function(
        fields.Many2One('connexion.team', "Team"), 'get_team',
        searcher='search_team')
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime(
        "End", required=True,
        domain=[('end', '>', Eval('start', None))])
    seats = fields.Integer("Seats", required=True, domain=[('seats', '>', 0)])
    signups = fields.One2Many('connexion.mission.signup', 'shift', "Sign-Ups")
    accepted = fields.Function(fields.Integer("Accepted"), 'get_counts')
    missing = fields.Function(
        fields.Integer(
            "Missing", help="Seats still to fill with accepted volunteers."),
        'get_counts', searcher='search_missing')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return '%s - %s' % (
            self.mission.rec_name, self.start.strftime('%d/%m/%Y %H:%M'))

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('mission.rec_name',) + tuple(clause[1:])]

    def get_team(self, name):
        return self.mission.team.id

    @classmethod
    def search_team(cls, name, clause):
        return [('mission.team',) + tuple(clause[1:])]

    @classmethod
    def _accepted_query(cls):
        from sql.aggregate import Count
        Signup = Pool().get('connexion.mission.signup')
        signup = Signup.__table__()
        return signup.select(
            signup.shift, Count(signup.id).as_('count'),
            where=signup.state == 'accepted', group_by=[signup.shift])

    @classmethod
    def get_counts(cls, shifts, names):
        cursor = Transaction().connection.cursor()
        counts = {}
        for sub in [shifts[i:i + 500] for i in range(0, len(shifts), 500)]:
            query = cls._accepted_query()
            query.where &= query.from_[0].shift.in_([s.id for s in sub])
            cursor.execute(*query)
            counts.update(cursor)
        result = {n: {} for n in names}
        for shift in shifts:
            count = counts.get(shift.id, 0)
            if 'accepted' in result:
                result['accepted'][shift.id] = count
            if 'missing' in result:
                result['missing'][shift.id] = max(shift.seats - count, 0)
        return result

    @classmethod
    def search_missing(cls, name, clause):
        "Gap detection: shifts by number of seats still to fill."
        from sql.conditionals import Case, Coalesce
        from sql.operators import Equal, Greater, GreaterEqual, Less, \
            LessEqual, NotEqual
        table = cls.__table__()
        counts = cls._accepted_query()
        _, operator, value = clause
        operator = {
            '=': Equal, '!=': NotEqual, '>': Greater, '>=': GreaterEqual,
            '<': Less, '<=': LessEqual}[operator]
        query = table.join(counts, 'LEFT',
            condition=counts.shift == table.id).select(
            table.id,
            where=operator(Case(
                    (table.seats > Coalesce(counts.count, 0),
                        table.seats - Coalesce(counts.count, 0)),
                    else_=0), value))
        return [('id', 'in', query)]

    def is_full(self):
        return self.accepted >= self.seats

    @classmethod
    def lock_seats(cls, shifts):
        """Hold the shifts' seats until the end of the transaction.

        Counting the accepted sign-ups then accepting one is not atomic: on
        PostgreSQL, sign-ups sent at once all found the last seat free (8
        accepted on 1 seat). Whoever counts first locks the shift rows
        (SELECT ... FOR UPDATE: the others wait for its commit), and marks
        them when it changed the seats taken (``seats_changed``): a waiting
        transaction, whose repeatable-read snapshot is older, then fails
        with a serialization error and is run again by trytond, counting
        anew. SQLite serialises writing transactions: nothing to do."""
        transaction = Transaction()
        ids = sorted({s.id for s in shifts})
        if not ids or not transaction.database.has_select_for():
            return
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        # In the order of ids: two transactions never wait for each other.
        cursor.execute(*table.select(table.id,
                where=table.id.in_(ids), order_by=[table.id.asc],
                for_=For('UPDATE')))

    @classmethod
    def seats_changed(cls, shifts):
        "A new version of the locked rows: see lock_seats."
        transaction = Transaction()
        ids = sorted({s.id for s in shifts})
        if not ids or not transaction.database.has_select_for():
            return
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.update([table.seats], [table.seats],
                where=table.id.in_(ids)))


class Signup(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.mission.signup'

    shift = fields.Many2One(
        'connexion.mission.shift', "Shift", required=True, ondelete='CASCADE',
        states={'readonly': Eval('id', -1) >= 0})
    mission = fields.Function(
        fields.Many2One('connexion.mission', "Mission"), 'get_mission',
        searcher='search_mission')
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True, ondelete='CASCADE',
        states={'readonly': Eval('id', -1) >= 0})
    origin = fields.Selection([
            ('staff', "Assigned by Staff"),
            ('portal', "Self Sign-Up"),
            ], "Origin", required=True, readonly=True)
    state = fields.Selection([
            ('proposed', "Proposed"),
            ('accepted', "Accepted"),
            ('waiting', "Waiting List"),
            ('declined', "Declined"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('shift_volunteer_unique', Unique(t, t.shift, t.volunteer),
                'connexion_volunteer.msg_signup_unique'),
            ]
        cls._order = [('shift.start', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('proposed', 'accepted'), ('proposed', 'waiting'),
            ('proposed', 'declined'),
            ('accepted', 'cancelled'), ('waiting', 'cancelled'),
            ('waiting', 'accepted'),
            ('cancelled', 'accepted'), ('cancelled', 'waiting'),
            ('declined', 'accepted'), ('declined', 'waiting'),
            }
        cls._buttons.update({
                'accept': {
                    'invisible': ~Eval('state').in_(
                        ['proposed', 'declined', 'cancelled']),
                    'depends': ['state']},
                'decline': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state']},
                'cancel': {
                    'invisible': ~Eval('state').in_(['accepted', 'waiting']),
                    'depends': ['state']},
                })

    @staticmethod
    def default_origin():
        return 'staff'

    @staticmethod
    def default_state():
        return 'proposed'

    @classmethod
    def _transition_fields(cls):
        "Portal sign-ups are told apart from staff assignments."
        return super()._transition_fields() | {'origin'}

    @classmethod
    def _state_locked_fields(cls):
        # Seats are counted on accepting: the sign-up keeps its shift.
        locked = super()._state_locked_fields()
        for name in ['shift', 'volunteer']:
            locked[name] = {'proposed'}
        return locked

    def get_rec_name(self, name):
        return '%s - %s' % (self.volunteer.rec_name, self.shift.rec_name)

    def get_mission(self, name):
        return self.shift.mission.id

    @classmethod
    def search_mission(cls, name, clause):
        return [('shift.mission',) + tuple(clause[1:])]

    @classmethod
    def validate(cls, signups):
        super().validate(signups)
        for signup in signups:
            signup.check_volunteer()

    def check_volunteer(self):
        "Skills and, with children, a valid criminal-record check."
        volunteer, mission = self.volunteer, self.shift.mission
        if self.state in {'declined', 'cancelled'}:
            return
        if volunteer.status not in {'onboarding', 'active'}:
            raise SignupError(gettext(
                    portal_message('connexion_volunteer.msg_signup_inactive'),
                    volunteer=volunteer.rec_name))
        if mission.minors:
            volunteer.check_may_meet_minors(
                [volunteer], self.shift.start.date())
        missing = set(mission.skills) - set(volunteer.skills)
        if missing:
            raise SignupError(gettext(
                    portal_message('connexion_volunteer.msg_signup_skills'),
                    volunteer=volunteer.rec_name,
                    skills=", ".join(s.rec_name for s in missing)))

    @classmethod
    def sign_up(cls, volunteer, shift):
        """Self sign-up: a seat if there is one, else the waiting list.

        Only open missions that accept self sign-up, and future shifts."""
        mission = shift.mission
        if (mission.state != 'open' or not mission.self_signup
                or shift.start < dt.datetime.now()):
            raise SignupError(gettext(
                    portal_message('connexion_volunteer.msg_signup_closed'),
                    mission=mission.rec_name))
        # Refuse before writing anything (nothing half-done).
        cls(shift=shift, volunteer=volunteer, state='proposed'
            ).check_volunteer()
        # Before inserting: the sign-up's foreign key share-locks the shift,
        # and two such inserts then waiting for each other's lock deadlock.
        Pool().get('connexion.mission.shift').lock_seats([shift])
        existing = cls.search([
                ('shift', '=', shift.id), ('volunteer', '=', volunteer.id)])
        if existing:
            signup, = existing
            if signup.state in {'accepted', 'waiting'}:
                return signup
        else:
            signup, = cls.create([{
                        'shift': shift.id, 'volunteer': volunteer.id,
                        'origin': 'portal', 'state': 'proposed'}])
        cls.accept([signup])
        return cls(signup.id)

    @classmethod
    @ModelView.button
    def accept(cls, signups):
        "A seat if the shift has one, else the waiting list."
        Shift = Pool().get('connexion.mission.shift')
        Shift.lock_seats([s.shift for s in signups])
        taken = set()
        for signup in signups:
            shift = Shift(signup.shift.id)
            if shift.is_full():
                cls.wait([signup])
            else:
                cls._accept([signup])
                taken.add(shift)
        Shift.seats_changed(taken)

    @classmethod
    @Workflow.transition('accepted')
    def _accept(cls, signups):
        pass

    @classmethod
    @Workflow.transition('waiting')
    def wait(cls, signups):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('declined')
    def decline(cls, signups):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, signups):
        "A freed seat goes to the first volunteer on the waiting list."
        Shift = Pool().get('connexion.mission.shift')
        shifts = {s.shift for s in signups if s.state == 'accepted'}
        Shift.lock_seats(shifts)
        Shift.seats_changed(shifts)
        cls.write(signups, {'state': 'cancelled'})
        for shift in shifts:
            waiting = cls.search([
                    ('shift', '=', shift.id), ('state', '=', 'waiting'),
                    ], order=[('write_date', 'ASC NULLS FIRST'),
                    ('id', 'ASC')], limit=1)
            if waiting:
                cls._accept(waiting)
