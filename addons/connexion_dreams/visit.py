"""Hospital visits: volunteers who come regularly to a service.

A schedule says when the volunteers come; it plans the visits, each with
the attendance and a short report.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Eval

from connexion_asso.workflow import TransitionOnlyMixin, VolunteerWriteMixin

from .exceptions import VisitReportError

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
FREQUENCIES = [
    ('weekly', "Every Week"),
    ('fortnightly', "Every Two Weeks"),
    ('monthly', "Every Four Weeks"),
    ]
STEP_WEEKS = {'weekly': 1, 'fortnightly': 2, 'monthly': 4}


class VolunteersMixin:
    "Volunteers who meet children must be cleared on the visit date."
    __slots__ = ()

    @classmethod
    def check_volunteers(cls, records, date_field):
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        for record in records:
            date = getattr(record, date_field)
            if isinstance(date, dt.datetime):
                date = date.date()
            Volunteer.check_may_meet_minors(record.volunteers, date)


class Schedule(DeactivableMixin, VolunteersMixin, ModelSQL, ModelView):
    __name__ = 'connexion.hospital.visit.schedule'

    hospital = fields.Many2One(
        'connexion.hospital', "Hospital", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'connexion.hospital.service', "Service", ondelete='RESTRICT',
        domain=[('hospital', '=', Eval('hospital', -1))])
    weekday = fields.Selection(WEEKDAYS, "Weekday", required=True,
        sort=False)
    start_time = fields.Time("Start Time", required=True)
    duration = fields.TimeDelta("Duration", required=True)
    frequency = fields.Selection(FREQUENCIES, "Frequency", required=True,
        sort=False)
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date(
        "End Date",
        domain=[('end_date', '>=', Eval('start_date', None))])
    volunteers = fields.Many2Many(
        'connexion.hospital.visit.schedule-connexion.volunteer',
        'schedule', 'volunteer', "Volunteers")
    visits = fields.One2Many(
        'connexion.hospital.visit', 'schedule', "Visits", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'plan_visits': {},
                })

    @staticmethod
    def default_frequency():
        return 'weekly'

    @staticmethod
    def default_start_time():
        return dt.time(14, 0)

    @staticmethod
    def default_duration():
        return dt.timedelta(hours=2)

    @staticmethod
    def default_start_date():
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        label = (self.service or self.hospital).rec_name
        return f'{label} — {self.weekday_string} {self.start_time:%H:%M}'

    weekday_string = weekday.translated('weekday')

    @classmethod
    def validate_fields(cls, schedules, field_names):
        super().validate_fields(schedules, field_names)
        if field_names & {'volunteers', 'start_date'}:
            cls.check_volunteers(schedules, 'start_date')

    def dates(self, until):
        "The visit dates from the start date to until."
        date = self.start_date + dt.timedelta(
            days=(int(self.weekday) - self.start_date.weekday()) % 7)
        end = min(until, self.end_date) if self.end_date else until
        step = dt.timedelta(weeks=STEP_WEEKS[self.frequency])
        while date <= end:
            yield date
            date += step

    @classmethod
    @ModelView.button
    def plan_visits(cls, schedules, weeks=8):
        "Create the visits of the coming weeks that do not exist yet."
        pool = Pool()
        Visit = pool.get('connexion.hospital.visit')
        today = Pool().get('ir.date').today()
        until = today + dt.timedelta(weeks=weeks)
        to_create = []
        for schedule in schedules:
            existing = {v.start.date() for v in schedule.visits}
            for date in schedule.dates(until):
                if date < today or date in existing:
                    continue
                start = dt.datetime.combine(date, schedule.start_time)
                to_create.append({
                        'schedule': schedule.id,
                        'hospital': schedule.hospital.id,
                        'service': (
                            schedule.service.id if schedule.service
                            else None),
                        'start': start,
                        'end': start + schedule.duration,
                        'volunteers': [
                            ('add', [v.id for v in schedule.volunteers])],
                        })
        return Visit.create(to_create)


class ScheduleVolunteer(ModelSQL):
    __name__ = 'connexion.hospital.visit.schedule-connexion.volunteer'

    schedule = fields.Many2One(
        'connexion.hospital.visit.schedule', "Schedule", required=True,
        ondelete='CASCADE')
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True,
        ondelete='RESTRICT')


class Visit(
        VolunteerWriteMixin, TransitionOnlyMixin, Workflow, VolunteersMixin,
        ModelSQL, ModelView):
    __name__ = 'connexion.hospital.visit'

    schedule = fields.Many2One(
        'connexion.hospital.visit.schedule', "Schedule",
        ondelete='SET NULL', readonly=True)
    hospital = fields.Many2One(
        'connexion.hospital', "Hospital", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'connexion.hospital.service', "Service", ondelete='RESTRICT',
        domain=[('hospital', '=', Eval('hospital', -1))])
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime(
        "End", required=True,
        domain=[('end', '>=', Eval('start', None))])
    volunteers = fields.Many2Many(
        'connexion.hospital.visit-connexion.volunteer',
        'visit', 'volunteer', "Volunteers")
    attendees = fields.Many2Many(
        'connexion.hospital.visit-attendee', 'visit', 'volunteer',
        "Present Volunteers",
        domain=[('id', 'in', Eval('volunteers', []))],
        states={'invisible': Eval('state') == 'planned'})
    children_met = fields.Integer(
        "Children Met", domain=['OR',
            ('children_met', '=', None), ('children_met', '>=', 0)],
        states={'invisible': Eval('state') == 'planned'})
    report = fields.Text(
        "Report", states={'invisible': Eval('state') == 'planned'})
    state = fields.Selection([
            ('planned', "Planned"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('planned', 'done'),
            ('planned', 'cancelled'),
            ('cancelled', 'planned'),
            }
        cls._buttons.update({
                'do': {'invisible': Eval('state') != 'planned'},
                'cancel': {'invisible': Eval('state') != 'planned'},
                'replan': {'invisible': Eval('state') != 'cancelled'},
                })

    @staticmethod
    def default_state():
        return 'planned'

    @classmethod
    def _volunteer_fields(cls):
        "The volunteers who came report on the visit."
        return super()._volunteer_fields() | {
            'attendees', 'children_met', 'report'}

    def get_rec_name(self, name):
        label = (self.service or self.hospital).rec_name
        return f'{label} — {self.start:%d/%m/%Y %H:%M}'

    @classmethod
    def validate_fields(cls, visits, field_names):
        super().validate_fields(visits, field_names)
        if field_names & {'volunteers', 'start'}:
            cls.check_volunteers(visits, 'start')

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, visits):
        "The visit took place: who came and a short report."
        for visit in visits:
            if not visit.attendees or not visit.report:
                raise VisitReportError(gettext(
                        'connexion_dreams.msg_visit_report_required',
                        visit=visit.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, visits):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('planned')
    def replan(cls, visits):
        pass


class VisitVolunteer(ModelSQL):
    __name__ = 'connexion.hospital.visit-connexion.volunteer'

    visit = fields.Many2One(
        'connexion.hospital.visit', "Visit", required=True,
        ondelete='CASCADE')
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True,
        ondelete='RESTRICT')


class VisitAttendee(ModelSQL):
    __name__ = 'connexion.hospital.visit-attendee'

    visit = fields.Many2One(
        'connexion.hospital.visit', "Visit", required=True,
        ondelete='CASCADE')
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True,
        ondelete='RESTRICT')
