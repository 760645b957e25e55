"""Hours and kilometres given by volunteers, and their valuation.

Volunteer time is valued (contributions volontaires en nature) at an hourly
rate per level (e.g. SMIC, 2 × SMIC) taken from a dated rate table approved
by the board. The rate is frozen on the line when staff validate it, so a
later change of the table does not rewrite past years.
"""
from decimal import Decimal

from sql import Cast, Literal, Null
from sql.aggregate import Count, Max, Sum
from sql.conditionals import Coalesce
from sql.functions import Extract, ToChar

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from connexion_asso.sums import DecimalSumsMixin
from connexion_asso.workflow import TransitionOnlyMixin

from .exceptions import HoursError

# Hours on a single line above this are a typing error (e.g. 80 for 8.0).
MAX_HOURS_PER_LINE = 24


class Level(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.level'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    rates = fields.One2Many(
        'connexion.volunteer.rate', 'level', "Rates")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'connexion_volunteer.msg_level_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    def rate(self, date):
        "The hourly rate in force on the date, or None."
        Rate = Pool().get('connexion.volunteer.rate')
        rates = Rate.search([
                ('level', '=', self.id),
                ('start_date', '<=', date),
                ], order=[('start_date', 'DESC')], limit=1)
        return rates[0].hourly_rate if rates else None

    @classmethod
    def get_default(cls):
        "The level of volunteers without one: SMIC, else the first by name."
        levels = cls.search([('code', '=', 'SMIC')], limit=1)
        if not levels:
            levels = cls.search([], limit=1)
        return levels[0] if levels else None


class Rate(ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.rate'

    level = fields.Many2One(
        'connexion.volunteer.level', "Level", required=True,
        ondelete='CASCADE')
    start_date = fields.Date(
        "Start Date", required=True,
        help="The rate applies to hours given from this date.")
    hourly_rate = fields.Numeric(
        "Hourly Rate", digits=(16, 2), required=True,
        domain=[('hourly_rate', '>', 0)])
    reference = fields.Char(
        "Reference", help="E.g. \"SMIC horaire brut au 1er janvier\", "
        "board decision.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('level_date_unique', Unique(t, t.level, t.start_date),
                'connexion_volunteer.msg_rate_unique'),
            ]
        cls._order = [
            ('level', 'ASC'), ('start_date', 'DESC'), ('id', 'DESC')]


class PastDatedMixin:
    """What a volunteer did (hours, expenses): dated today by default and
    never in the future. ``_future_message`` is the ir.message refusing a
    future date."""
    __slots__ = ()
    _future_message = None

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        if field_names is None or field_names & {'date'}:
            today = Pool().get('ir.date').today()
            for record in records:
                if record.date > today:
                    raise HoursError(gettext(cls._future_message,
                            date=record.date.strftime('%d/%m/%Y')))


class Hours(
        TransitionOnlyMixin, PastDatedMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.hours'
    _future_message = 'connexion_volunteer.msg_hours_future'

    _states = {'readonly': Eval('state') != 'draft'}

    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True,
        ondelete='RESTRICT', states=_states)
    mission = fields.Many2One(
        'connexion.mission', "Mission", required=True, ondelete='RESTRICT',
        states=_states)
    team = fields.Function(
        fields.Many2One('connexion.team', "Team"), 'get_team',
        searcher='search_team')
    date = fields.Date("Date", required=True, states=_states)
    hours = fields.Numeric(
        "Hours", digits=(6, 2), required=True, states=_states,
        domain=[
            ('hours', '>', 0),
            ('hours', '<=', MAX_HOURS_PER_LINE),
            ])
    distance = fields.Integer(
        "Distance (km)", states=_states,
        domain=['OR', ('distance', '=', None), ('distance', '>=', 0)],
        help="Kilometres driven for the mission (for mileage allowances "
        "or abandon de frais).")
    description = fields.Char("Description", states=_states)
    origin = fields.Selection([
            ('staff', "Entered by Staff"),
            ('portal', "Volunteer Portal"),
            ], "Origin", required=True, readonly=True)
    state = fields.Selection([
            ('draft', "To Validate"),
            ('validated', "Validated"),
            ('refused', "Refused"),
            ], "State", required=True, readonly=True, sort=False)
    validated_by = fields.Many2One(
        'res.user', "Validated by", readonly=True, ondelete='SET NULL')
    hourly_rate = fields.Numeric(
        "Hourly Rate", digits=(16, 2), readonly=True,
        help="Rate of the volunteer's level on the date, frozen at "
        "validation.")
    amount = fields.Numeric(
        "Valuation", digits=(16, 2), readonly=True,
        help="Hours × hourly rate: the contribution volontaire en nature.")

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'validated'), ('draft', 'refused'),
            ('validated', 'draft'), ('refused', 'draft'),
            }
        cls._buttons.update({
                'validate_hours': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'refuse': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'draft': {
                    'invisible': Eval('state') == 'draft',
                    'depends': ['state']},
                })

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_origin():
        return 'staff'

    @classmethod
    def _transition_fields(cls):
        "Validation freezes the rate and the valuation, and who validated."
        return super()._transition_fields() | {
            'validated_by', 'hourly_rate', 'amount', 'origin'}

    @classmethod
    def _state_locked_fields(cls):
        locked = super()._state_locked_fields()
        for name in ['volunteer', 'mission', 'date', 'hours', 'distance',
                'description']:
            locked[name] = {'draft'}
        return locked

    def get_rec_name(self, name):
        return '%s - %s - %s h' % (
            self.volunteer.rec_name, self.date.strftime('%d/%m/%Y'),
            self.hours)

    def get_team(self, name):
        return self.mission.team.id

    @classmethod
    def search_team(cls, name, clause):
        return [('mission.team',) + tuple(clause[1:])]

    @classmethod
    def log_hours(cls, volunteer, mission, date, hours, distance=None,
            description=None):
        """Hours typed by the volunteer on the portal, to be validated.

        Only on a mission the volunteer was accepted on."""
        Signup = Pool().get('connexion.mission.signup')
        if not Signup.search([
                    ('volunteer', '=', volunteer.id),
                    ('shift.mission', '=', mission.id),
                    ('state', '=', 'accepted'),
                    ], limit=1):
            raise HoursError(gettext(
                    'connexion_volunteer.msg_hours_not_signed_up',
                    mission=mission.rec_name))
        line, = cls.create([{
                    'volunteer': volunteer.id, 'mission': mission.id,
                    'date': date, 'hours': hours, 'distance': distance,
                    'description': description, 'origin': 'portal'}])
        return line

    @classmethod
    @ModelView.button
    @Workflow.transition('validated')
    def validate_hours(cls, lines):
        "Freeze the rate of the volunteer's level on the day."
        pool = Pool()
        Level = pool.get('connexion.volunteer.level')
        Rate = pool.get('connexion.volunteer.rate')
        default = Level.get_default()
        # The whole table at once: validating a month is hundreds of lines.
        table = {}
        for rate in Rate.search([], order=[('start_date', 'DESC')]):
            table.setdefault(rate.level.id, []).append(
                (rate.start_date, rate.hourly_rate))
        for line in lines:
            level = line.volunteer.level or default
            rate = next((r for start, r in table.get(
                        level.id if level else None, [])
                    if start <= line.date), None)
            if rate is None:
                raise HoursError(gettext(
                        'connexion_volunteer.msg_hours_no_rate',
                        volunteer=line.volunteer.rec_name,
                        date=line.date.strftime('%d/%m/%Y')))
            line.hourly_rate = rate
            line.amount = (line.hours * rate).quantize(Decimal('0.01'))
            line.validated_by = Transaction().user or None
        cls.save(lines)

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, lines):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, lines):
        cls.write(lines, {
                'hourly_rate': None, 'amount': None, 'validated_by': None})

    @classmethod
    def delete(cls, lines):
        for line in lines:
            if line.state == 'validated':
                raise HoursError(gettext(
                        'connexion_volunteer.msg_hours_delete_validated',
                        line=line.rec_name))
        super().delete(lines)


class Valuation(DecimalSumsMixin, ModelSQL, ModelView):
    """Volunteer Time Valuation

    Validated hours per year, team and volunteer: the figures funders ask
    for and that the yearly entry posts to accounts 864/875."""
    __name__ = 'connexion.volunteer.valuation'
    _decimal_sums = ('hours', 'amount')

    year = fields.Integer("Year")
    volunteer = fields.Many2One('connexion.volunteer', "Volunteer")
    team = fields.Many2One('connexion.team', "Team")
    lines = fields.Integer("Lines")
    hours = fields.Numeric("Hours", digits=(16, 2))
    distance = fields.Integer("Distance (km)")
    amount = fields.Numeric("Valuation", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('year', 'DESC'), ('team', 'ASC'), ('amount', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Hours = pool.get('connexion.volunteer.hours')
        Mission = pool.get('connexion.mission')
        hours = Hours.__table__()
        mission = Mission.__table__()
        year = Cast(Extract('YEAR', hours.date), 'INTEGER')
        return hours.join(mission, condition=hours.mission == mission.id
            ).select(
            Max(hours.id).as_('id'),
            Literal(0).as_('create_uid'),
            Max(hours.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            year.as_('year'),
            hours.volunteer.as_('volunteer'),
            mission.team.as_('team'),
            Count(hours.id).as_('lines'),
            Sum(hours.hours).as_('hours'),
            Sum(Coalesce(hours.distance, 0)).as_('distance'),
            Sum(hours.amount).as_('amount'),
            where=hours.state == 'validated',
            group_by=[year, hours.volunteer, mission.team])

    @classmethod
    def totals(cls, year):
        "Hours and valuation of the year: (hours, amount)."
        lines = cls.search([('year', '=', year)])
        return (sum((l.hours for l in lines), Decimal(0)),
            sum((l.amount for l in lines), Decimal(0)))


class HoursMonth(DecimalSumsMixin, ModelSQL, ModelView):
    """Validated hours per team and month, for the dashboards: what the
    volunteers gave, month after month."""
    __name__ = 'connexion.volunteer.hours.month'
    _decimal_sums = ('hours',)

    month = fields.Char("Month")
    team = fields.Many2One('connexion.team', "Team")
    volunteers = fields.Integer("Volunteers")
    hours = fields.Numeric("Hours", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'ASC'), ('team', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Hours = pool.get('connexion.volunteer.hours')
        Mission = pool.get('connexion.mission')
        hours = Hours.__table__()
        mission = Mission.__table__()
        # Grouped on the month of a subquery: PostgreSQL does not see that
        # two TO_CHAR with their format as parameters are the same.
        lines = hours.join(mission, condition=hours.mission == mission.id
            ).select(
            hours.id, hours.create_date, hours.volunteer, hours.hours,
            mission.team.as_('team'),
            ToChar(hours.date, 'YYYY-MM').as_('month'),
            where=hours.state == 'validated')
        return lines.select(
            Max(lines.id).as_('id'),
            Literal(0).as_('create_uid'),
            Max(lines.create_date).as_('create_date'),
            Literal(Null).as_('write_uid'),
            Literal(Null).as_('write_date'),
            lines.month.as_('month'),
            lines.team.as_('team'),
            Count(lines.volunteer, distinct=True).as_('volunteers'),
            Sum(lines.hours).as_('hours'),
            group_by=[lines.month, lines.team])
