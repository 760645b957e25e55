"""Volunteers: a party who gives time to the association.

The profile follows the volunteer from candidacy to departure; the
onboarding checklist holds the dated documents (charter, criminal-record
check, training, interview) that allow them to act, and expire.
"""
import datetime as dt
import secrets

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from connexion_asso.exceptions import portal_message
from connexion_asso.mail import mail_language
from connexion_asso.workflow import TransitionOnlyMixin

from .exceptions import (
    MinorsClearanceError, OnboardingError, VolunteerStatusError)

STATUSES = [
    ('candidate', "Candidate"),
    ('onboarding', "Onboarding"),
    ('active', "Active"),
    ('paused', "Paused"),
    ('left', "Left"),
    ]


WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
PERIODS = [
    ('morning', "Morning"),
    ('afternoon', "Afternoon"),
    ('evening', "Evening"),
    ]
ONBOARDING_KINDS = [
    ('charter', "Charter Signed"),
    ('criminal_record', "Criminal Record Check"),
    ('training', "Training Session"),
    ('interview', "Interview"),
    ]
# Items a volunteer needs before becoming active.
REQUIRED_FOR_ACTIVE = ['charter', 'interview']
REMINDER_DAYS = 30


class Skill(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.skill'

    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class Volunteer(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.volunteer'
    _transition_state = 'status'

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT')
    user = fields.Many2One(
        'res.user', "User", ondelete='SET NULL',
        help="The back-office user of the volunteer, if any.")
    status = fields.Selection(STATUSES, "Status", required=True, readonly=True)
    status_reason = fields.Text(
        "Status Reason",
        states={
            'invisible': ~Eval('status').in_(['paused', 'left']),
            'required': Eval('status').in_(['paused', 'left']),
            },
        help="Why the volunteer paused or left.")
    teams = fields.Many2Many(
        'connexion.volunteer-connexion.team', 'volunteer', 'team', "Teams")
    team_names = fields.Function(fields.Char(
            "Teams", help="The names of the volunteer's teams."),
        'get_team_names', searcher='search_team_names')
    skills = fields.Many2Many(
        'connexion.volunteer-connexion.volunteer.skill', 'volunteer', 'skill',
        "Skills")
    languages = fields.Char(
        "Languages", help="Languages spoken, e.g. \"anglais, arabe\".")
    availabilities = fields.One2Many(
        'connexion.volunteer.availability', 'volunteer', "Availabilities")
    preferred_hospitals = fields.Many2Many(
        'connexion.volunteer-preferred_hospital', 'volunteer', 'hospital',
        "Preferred Hospitals")
    emergency_contact_name = fields.Char("Emergency Contact")
    emergency_contact_phone = fields.Char("Emergency Contact Phone")
    onboarding_items = fields.One2Many(
        'connexion.volunteer.onboarding', 'volunteer', "Onboarding Checklist")
    onboarding_missing = fields.Function(fields.Text(
            "Still Missing",
            help="The onboarding items needed to act that are missing or "
            "expired today."),
        'get_onboarding_missing')
    email = fields.Function(fields.Char("E-Mail"), 'get_email')
    criminal_record_date = fields.Date(
        "Criminal Record Check",
        help="Date of the last extract of the criminal record (bulletin n°3) "
        "seen by the association.")
    criminal_record_expiry = fields.Date(
        "Criminal Record Check Expiry",
        domain=[If(Eval('criminal_record_expiry') & Eval('criminal_record_date'),
                ('criminal_record_expiry', '>=', Eval('criminal_record_date')),
                ())])
    level = fields.Many2One(
        'connexion.volunteer.level', "Valuation Level", ondelete='RESTRICT',
        help="The level of the rate table used to value the volunteer's "
        "hours (e.g. SMIC, 2 × SMIC).")
    signups = fields.One2Many(
        'connexion.mission.signup', 'volunteer', "Sign-Ups", readonly=True)
    hours = fields.One2Many(
        'connexion.volunteer.hours', 'volunteer', "Hours")
    calendar_token = fields.Char(
        "Calendar Token", readonly=True, strip=False,
        help="Secret part of the address of the volunteer's calendar feed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transition_state = 'status'
        t = cls.__table__()
        cls._sql_constraints = [
            ('party_unique', Unique(t, t.party),
                'connexion_volunteer.msg_volunteer_party_unique'),
            ]
        cls._transitions |= {
            ('candidate', 'onboarding'),
            ('onboarding', 'active'),
            ('active', 'paused'),
            ('paused', 'active'),
            ('candidate', 'left'),
            ('onboarding', 'left'),
            ('active', 'left'),
            ('paused', 'left'),
            ('left', 'candidate'),
            }
        cls._buttons.update({
                'onboard': {
                    'invisible': Eval('status') != 'candidate',
                    'depends': ['status'],
                    },
                'activate': {
                    'invisible': ~Eval('status').in_(['onboarding', 'paused']),
                    'depends': ['status'],
                    },
                'pause': {
                    'invisible': Eval('status') != 'active',
                    'depends': ['status'],
                    },
                'leave': {
                    'invisible': Eval('status') == 'left',
                    'depends': ['status'],
                    },
                'reapply': {
                    'invisible': Eval('status') != 'left',
                    'depends': ['status'],
                    },
                })

    def get_email(self, name):
        return self.party.email if self.party else None

    def get_team_names(self, name):
        "The teams by name in a list, where a Many2Many shows a count."
        return ', '.join(sorted(t.rec_name for t in self.teams))

    @classmethod
    def search_team_names(cls, name, clause):
        return [('teams.name',) + tuple(clause[1:])]

    @classmethod
    @ModelView.button
    @Workflow.transition('onboarding')
    def onboard(cls, volunteers):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, volunteers):
        "Only a volunteer whose checklist is complete may act."
        today = Pool().get('ir.date').today()
        kinds = cls._onboarding_kinds()
        for volunteer in volunteers:
            missing = volunteer.missing_onboarding(today)
            if missing:
                raise OnboardingError(gettext(
                        'connexion_volunteer'
                        '.msg_volunteer_onboarding_incomplete',
                        volunteer=volunteer.rec_name,
                        items=", ".join(kinds[k] for k in missing)))
        cls.write(volunteers, {'status_reason': None})

    def missing_onboarding(self, date):
        "The kinds of item needed to act that are not valid on date."
        done = {i.kind for i in self.onboarding_items if i.valid(date)}
        return [k for k in REQUIRED_FOR_ACTIVE if k not in done]

    @staticmethod
    def _onboarding_kinds():
        Item = Pool().get('connexion.volunteer.onboarding')
        return dict(Item.fields_get(['kind'])['kind']['selection'])

    @classmethod
    def get_onboarding_missing(cls, volunteers, name):
        """What the checklist still lacks, item by item, next to what is
        done: the staff see at once what to ask the volunteer for."""
        today = Pool().get('ir.date').today()
        kinds = cls._onboarding_kinds()
        result = {}
        for volunteer in volunteers:
            if volunteer.status == 'left':
                result[volunteer.id] = None
                continue
            missing = volunteer.missing_onboarding(today)
            result[volunteer.id] = '\n'.join(
                f'- {kinds[k]}' for k in missing) or gettext(
                'connexion_volunteer.msg_volunteer_onboarding_complete')
        return result

    @classmethod
    @ModelView.button
    @Workflow.transition('paused')
    def pause(cls, volunteers):
        cls._check_reason(volunteers)

    @classmethod
    @ModelView.button
    @Workflow.transition('left')
    def leave(cls, volunteers):
        cls._check_reason(volunteers)

    @classmethod
    @ModelView.button
    @Workflow.transition('candidate')
    def reapply(cls, volunteers):
        cls.write(volunteers, {'status_reason': None})

    @classmethod
    def _check_reason(cls, volunteers):
        for volunteer in volunteers:
            if not volunteer.status_reason:
                raise VolunteerStatusError(gettext(
                        'connexion_volunteer.msg_volunteer_status_reason',
                        volunteer=volunteer.rec_name))

    @staticmethod
    def default_status():
        return 'candidate'

    @classmethod
    def default_calendar_token(cls):
        return secrets.token_urlsafe(24)

    @classmethod
    def copy(cls, volunteers, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('calendar_token', None)
        default.setdefault('signups', None)
        default.setdefault('hours', None)
        return super().copy(volunteers, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('calendar_token'):
            values['calendar_token'] = cls.default_calendar_token()
        return values

    @classmethod
    def from_party(cls, party):
        "The volunteer profile of the party, or None."
        volunteers = cls.search([('party', '=', party.id)], limit=1)
        return volunteers[0] if volunteers else None

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    def may_meet_minors(self, date=None):
        "A valid criminal-record check is required before meeting children."
        date = date or Pool().get('ir.date').today()
        return bool(
            self.status in {'onboarding', 'active'}
            and self.criminal_record_date
            and self.criminal_record_date <= date
            and (not self.criminal_record_expiry
                or date <= self.criminal_record_expiry))

    @classmethod
    def check_may_meet_minors(cls, volunteers, date=None):
        "Raise a French error for the first volunteer who may not meet minors."
        for volunteer in volunteers:
            if not volunteer.may_meet_minors(date):
                raise MinorsClearanceError(gettext(
                        portal_message(
                            'connexion_volunteer'
                            '.msg_volunteer_no_criminal_record'),
                        volunteer=volunteer.rec_name))


class VolunteerTeam(ModelSQL):
    __name__ = 'connexion.volunteer-connexion.team'
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True, ondelete='CASCADE')
    team = fields.Many2One(
        'connexion.team', "Team", required=True, ondelete='CASCADE')


class VolunteerSkill(ModelSQL):
    __name__ = 'connexion.volunteer-connexion.volunteer.skill'
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True, ondelete='CASCADE')
    skill = fields.Many2One(
        'connexion.volunteer.skill', "Skill", required=True,
        ondelete='CASCADE')


class VolunteerHospital(ModelSQL):
    __name__ = 'connexion.volunteer-preferred_hospital'
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True, ondelete='CASCADE')
    hospital = fields.Many2One(
        'party.party', "Hospital", required=True, ondelete='CASCADE')


class Availability(ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.availability'
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True, ondelete='CASCADE')
    weekday = fields.Selection(WEEKDAYS, "Day", required=True, sort=False)
    period = fields.Selection(PERIODS, "Period", required=True, sort=False)


class OnboardingItem(ModelSQL, ModelView):
    __name__ = 'connexion.volunteer.onboarding'
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True, ondelete='CASCADE')
    kind = fields.Selection(ONBOARDING_KINDS, "Item", required=True)
    kind_string = kind.translated('kind')
    date = fields.Date("Date", required=True)
    expiry_date = fields.Date(
        "Expiry Date",
        domain=[If(Eval('expiry_date'),
                ('expiry_date', '>=', Eval('date', None)),
                ())],
        help="Empty: does not expire.")
    description = fields.Char(
        "Description", help="E.g. the title of the training session.")
    reminded = fields.Date(
        "Reminder Sent", readonly=True,
        help="When the volunteer was reminded that the item expires.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    def valid(self, date):
        return (self.date <= date
            and (not self.expiry_date or date <= self.expiry_date))

    @classmethod
    def create(cls, vlist):
        items = super().create(vlist)
        cls._sync_criminal_record(items)
        return items

    @classmethod
    def write(cls, *args):
        super().write(*args)
        cls._sync_criminal_record(sum(args[::2], []))

    @classmethod
    def _sync_criminal_record(cls, items):
        "The profile shows the latest check, which may_meet_minors relies on."
        Volunteer = Pool().get('connexion.volunteer')
        volunteers = {i.volunteer for i in items if i.kind == 'criminal_record'}
        for volunteer in volunteers:
            checks = cls.search([
                    ('volunteer', '=', volunteer.id),
                    ('kind', '=', 'criminal_record'),
                    ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
            if checks:
                check, = checks
                Volunteer.write([volunteer], {
                        'criminal_record_date': check.date,
                        'criminal_record_expiry': check.expiry_date,
                        })

    @classmethod
    def expiring(cls, date=None, days=REMINDER_DAYS):
        "Items of current volunteers that expire soon and were not reminded."
        date = date or Pool().get('ir.date').today()
        return cls.search([
                ('expiry_date', '>=', date),
                ('expiry_date', '<=', date + dt.timedelta(days=days)),
                ('reminded', '=', None),
                ('volunteer.status', 'in', ['onboarding', 'active', 'paused']),
                ])

    @classmethod
    def send_reminders(cls, date=None):
        """Cron: e-mail each volunteer whose item expires soon, once.

        A newer item of the same kind (renewal) makes the reminder moot."""
        from email.message import EmailMessage
        from trytond.config import config
        Message = Pool().get('connexion.outbox.message')
        date = date or Pool().get('ir.date').today()
        from_ = config.get('email', 'from')
        reminded, messages = [], []
        for item in cls.expiring(date):
            renewed = cls.search([
                    ('volunteer', '=', item.volunteer.id),
                    ('kind', '=', item.kind),
                    ('date', '>', item.date),
                    ], limit=1)
            if renewed:
                continue
            email = item.volunteer.email
            if email:
                msg = EmailMessage()
                msg['From'] = from_
                msg['To'] = email
                with Transaction().set_context(
                        language=mail_language(item.volunteer.party)):
                    msg['Subject'] = gettext(
                        'connexion_volunteer.msg_onboarding_reminder_subject')
                    msg.set_content(gettext(
                            'connexion_volunteer.msg_onboarding_reminder_body',
                            volunteer=item.volunteer.rec_name,
                            item=cls(item.id).kind_string,
                            date=item.expiry_date.strftime('%d/%m/%Y')))
                messages.append((msg, item.volunteer.party, item))
            reminded.append(item)
        # Kept in the outbox with the stamp, sent once this commits.
        Message.enqueue(messages)
        cls.write(reminded, {'reminded': date})
        return reminded


class OutboxMessage(metaclass=PoolMeta):
    "The onboarding reminders are e-mailed through the outbox."
    __name__ = 'connexion.outbox.message'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['connexion.volunteer.onboarding']
