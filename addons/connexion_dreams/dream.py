"""Dreams: from the referral of a child to the closing of the dream.

What a dream records and the checks on it, so that nobody can, for example,
realise a dream without medical approval; the steps themselves (one button
each, recording its date) are in step.py. A reminder activity goes to the
tutor when a dream gets no news.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ChatMixin, ModelSQL, ModelView, Workflow, fields
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from connexion_asso.workflow import TransitionOnlyMixin, VolunteerWriteMixin

from .exceptions import (
    DreamClosedError, DreamDatesError, DreamTeamError, SecondDreamError)
from .wish import CATEGORIES

STATES = [
    ('referral', "Referral"),
    ('eligible', "Eligible"),
    ('approved', "Medically Approved"),
    ('discovery', "Wish Discovery"),
    ('design', "Design"),
    ('scheduled', "Scheduled"),
    ('realised', "Realised"),
    ('follow_up', "Follow-up"),
    ('closed', "Closed"),
    ('refused', "Refused"),
    ('cancelled', "Cancelled"),
    ]
OPEN_STATES = [s for s, _ in STATES[:8]]
FINAL_STATES = ['closed', 'refused', 'cancelled']
GRANTED_STATES = ['realised', 'follow_up', 'closed']

# The date of each step, in the order the steps happen.
STEP_DATES = [
    ('referral', 'referral_date'),
    ('eligible', 'eligibility_date'),
    ('approved', 'medical_approval_date'),
    ('discovery', 'discovery_date'),
    ('design', 'design_date'),
    ('scheduled', 'scheduling_date'),
    ('realised', 'realisation_date'),
    ('follow_up', 'follow_up_date'),
    ('closed', 'closing_date'),
    ]
# Days given to the next step once a step is reached.
STEP_DELAYS = {
    'referral': 7,
    'eligible': 15,
    'approved': 15,
    'discovery': 30,
    'design': 30,
    'scheduled': 90,
    'realised': 30,
    'follow_up': 30,
    }

REFERRERS = [
    ('hospital', "Hospital"),
    ('family', "Family"),
    ('child', "Child"),
    ('other', "Other"),
    ]


class Dream(
        VolunteerWriteMixin, TransitionOnlyMixin, Workflow, ModelSQL,
        ModelView, ChatMixin):
    __name__ = 'connexion.dream'

    _states_done = {'readonly': Eval('state').in_(FINAL_STATES)}

    child = fields.Many2One(
        'connexion.child', "Child", required=True, ondelete='RESTRICT',
        states={'readonly': Eval('state') != 'referral'})
    hospital = fields.Many2One(
        'connexion.hospital', "Hospital", ondelete='RESTRICT',
        states=_states_done)
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        states={'readonly': True})
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    urgent = fields.Boolean(
        "Urgent (Palliative)",
        help="Urgent dreams come first in the lists and get shorter "
        "reminders.", states=_states_done)
    # Referral
    referral_date = fields.Date("Referral Date", required=True,
        states=_states_done)
    referred_by = fields.Selection(REFERRERS, "Referred By", required=True,
        states=_states_done)
    referrer = fields.Many2One(
        'party.party', "Referrer", ondelete='RESTRICT', states=_states_done,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="The person who referred the child.")
    # Eligibility
    serious_illness = fields.Boolean(
        "Serious Illness Confirmed",
        help="The care team confirms a serious illness.",
        states=_states_done)
    second_dream = fields.Boolean(
        "Second Dream Allowed",
        help="Tick to allow a dream for a child who already has one.",
        states=_states_done)
    second_dream_reason = fields.Text(
        "Reason for Second Dream",
        states={
            'required': Bool(Eval('second_dream')),
            'invisible': ~Eval('second_dream'),
            'readonly': Eval('state').in_(FINAL_STATES),
            })
    eligibility_date = fields.Date("Eligibility Date", states=_states_done)
    # Medical approval
    medical_doctor = fields.Many2One(
        'connexion.hospital.contact', "Approving Doctor",
        ondelete='RESTRICT',
        domain=[
            ('role', '=', 'doctor'),
            If(Bool(Eval('hospital')),
                ('hospital', '=', Eval('hospital', -1)),
                ()),
            ],
        states=_states_done)
    medical_approval_date = fields.Date(
        "Medical Approval Date", states=_states_done)
    # People
    tutor = fields.Many2One(
        'connexion.volunteer', "Dream Tutor", ondelete='RESTRICT',
        states=_states_done,
        help="The volunteer who follows the dream with the family.")
    volunteers = fields.Many2Many(
        'connexion.dream-connexion.volunteer', 'dream', 'volunteer',
        "Volunteers", states=_states_done,
        help="The pair of volunteers who prepare and carry out the dream.")
    # Wish discovery and design
    discovery_date = fields.Date("Discovery Date", states=_states_done)
    wishes = fields.One2Many(
        'connexion.dream.wish', 'dream', "Wishes", states=_states_done)
    chosen_wish = fields.Many2One(
        'connexion.dream.wish', "Chosen Wish", ondelete='RESTRICT',
        domain=[('dream', '=', Eval('id', -1))], states=_states_done)
    category = fields.Function(
        fields.Selection([(None, "")] + CATEGORIES, "Category"),
        'get_category', searcher='search_category')
    design_date = fields.Date("Design Date", states=_states_done)
    plan = fields.Text("Plan", states=_states_done)
    itinerary = fields.Text("Itinerary", states=_states_done)
    scheduling_date = fields.Date("Scheduling Date", states=_states_done)
    dream_date = fields.Date(
        "Dream Date", states=_states_done,
        help="The day the dream comes true.")
    realisation_date = fields.Date("Realisation Date", states=_states_done)
    lead_time = fields.Integer(
        "Lead Time (days)", readonly=True,
        help="Days from referral to realisation.")
    # Follow-up
    follow_up_date = fields.Date("Follow-up Date", states=_states_done)
    feedback = fields.Text("Feedback", states=_states_done)
    photos = fields.One2Many(
        'connexion.dream.photo', 'dream', "Photos", states=_states_done)
    closing_date = fields.Date("Closing Date", states=_states_done)
    reason = fields.Text(
        "Reason", help="Why the dream is refused or cancelled.",
        states={'readonly': Eval('state').in_(FINAL_STATES)})
    # Money
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    budget = Monetary(
        "Budget Estimate", currency='currency', digits='currency',
        states=_states_done)
    costs = fields.One2Many(
        'connexion.dream.cost', 'dream', "Costs", states=_states_done)
    actual_cost = fields.Function(Monetary(
            "Actual Cost", currency='currency', digits='currency'),
        'get_amounts')
    contributions = fields.One2Many(
        'connexion.dream.contribution', 'dream', "In-Kind Contributions",
        states=_states_done)
    in_kind_amount = fields.Function(Monetary(
            "In-Kind Value", currency='currency', digits='currency'),
        'get_amounts')
    # Follow of the steps
    activities = fields.One2Many(
        'connexion.dream.activity', 'dream', "Activities")
    overdue = fields.Function(
        fields.Boolean("Overdue"), 'get_overdue', searcher='search_overdue')
    counter = fields.Function(
        fields.Integer(
            "Dreams",
            help="1 per dream, summed by the graphs of the dashboard."),
        'get_counter')
    last_news_date = fields.Date(
        "Last News", readonly=True,
        help="The last step or activity done on the dream.")

    del _states_done

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('urgent', 'DESC NULLS LAST'),
            ('referral_date', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        """Urgent dreams come first only for those who may know it: for the
        others the default order would tell which dreams are palliative, and
        the child's list of dreams (a One2Many, which gives the default order
        explicitly) would be refused to a tutor. An order on it asked for is
        still refused."""
        pool = Pool()
        FieldAccess = pool.get('ir.model.field.access')
        transaction = Transaction()
        default = list(cls._order)
        # The web client sends the default order back as lists (the graphs
        # of the dashboards do).
        if (transaction.user and transaction.check_access
                and (not order or [tuple(o) for o in order[-len(default):]]
                    == default)
                and not FieldAccess.check(cls.__name__, ['urgent'],
                    raise_exception=False)):
            order = [o for o in (order or default) if o[0] != 'urgent']
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)

    @staticmethod
    def default_state():
        return 'referral'

    @classmethod
    def _volunteer_fields(cls):
        "The tutor and the pair discover the wishes, plan and tell the day."
        return super()._volunteer_fields() | {
            'wishes', 'chosen_wish', 'plan', 'itinerary', 'feedback',
            'photos', 'activities'}

    @classmethod
    def _state_locked_fields(cls):
        "What a step checked stays as the step saw it."
        locked = super()._state_locked_fields()
        locked['child'] = {'referral'}
        locked['referral_date'] = {'referral'}
        # Checked by the eligibility step.
        locked['serious_illness'] = {'referral'}
        locked['second_dream'] = {'referral'}
        locked['second_dream_reason'] = {'referral'}
        # Checked by the medical approval.
        locked['medical_doctor'] = {'referral', 'eligible'}
        return locked

    @staticmethod
    def default_urgent():
        return False

    @staticmethod
    def default_serious_illness():
        return False

    @staticmethod
    def default_second_dream():
        return False

    @staticmethod
    def default_referral_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_referred_by():
        return 'hospital'

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @fields.depends('child', '_parent_child.hospital', 'hospital')
    def on_change_child(self):
        if self.child and self.child.hospital and not self.hospital:
            self.hospital = self.child.hospital

    def get_rec_name(self, name):
        label = self.child.rec_name
        if self.chosen_wish:
            label += f' — {self.chosen_wish.description}'
        return label

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('child.rec_name',) + tuple(clause[1:]),
            ('chosen_wish.description',) + tuple(clause[1:]),
            ]

    def get_category(self, name):
        return self.chosen_wish.category if self.chosen_wish else None

    @classmethod
    def search_category(cls, name, clause):
        return [('chosen_wish.category',) + tuple(clause[1:])]

    def get_currency(self, name):
        return self.company.currency.id if self.company else None

    @classmethod
    def get_amounts(cls, dreams, names):
        result = {n: {} for n in names}
        for dream in dreams:
            if 'actual_cost' in names:
                result['actual_cost'][dream.id] = sum(
                    (c.amount or Decimal(0) for c in dream.costs),
                    Decimal(0))
            if 'in_kind_amount' in names:
                result['in_kind_amount'][dream.id] = sum(
                    (c.amount or Decimal(0) for c in dream.contributions),
                    Decimal(0))
        return result

    def get_counter(self, name):
        return 1

    def get_overdue(self, name):
        "A dream is overdue when one of its activities is (Activity's rule)."
        return any(a.overdue for a in self.activities)

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        where = 'where' if (operator == '=') == bool(value) else 'not where'
        return [('activities', where, [('overdue', '=', True)])]

    # Checks
    @classmethod
    def validate_fields(cls, dreams, field_names):
        super().validate_fields(dreams, field_names)
        cls.check_dates(dreams, field_names)
        cls.check_second_dream(dreams, field_names)
        cls.check_people(dreams, field_names)

    @classmethod
    def check_dates(cls, dreams, field_names):
        "Steps happen in order; no realisation without medical approval."
        names = {f for _, f in STEP_DATES} | {'dream_date'}
        if not field_names & names:
            return
        for dream in dreams:
            if (dream.realisation_date or dream.dream_date) and (
                    not dream.medical_approval_date):
                raise DreamDatesError(gettext(
                        'connexion_dreams.msg_dream_no_medical_approval',
                        dream=dream.rec_name))
            previous = None
            for _, name in STEP_DATES:
                date = getattr(dream, name)
                if not date:
                    continue
                if previous and date < previous[1]:
                    raise DreamDatesError(gettext(
                            'connexion_dreams.msg_dream_dates_order',
                            dream=dream.rec_name,
                            field=cls.fields_get([name])[name]['string'],
                            previous=cls.fields_get(
                                [previous[0]])[previous[0]]['string']))
                previous = (name, date)
            if (dream.dream_date
                    and dream.dream_date < dream.medical_approval_date):
                raise DreamDatesError(gettext(
                        'connexion_dreams.msg_dream_date_before_approval',
                        dream=dream.rec_name))

    @classmethod
    def check_second_dream(cls, dreams, field_names):
        "A child gets one dream, unless a reasoned exception is recorded."
        if not field_names & {'child', 'second_dream', 'state'}:
            return
        for dream in dreams:
            if dream.state in {'refused', 'cancelled'}:
                continue
            others = cls.search([
                    ('child', '=', dream.child.id),
                    ('id', '!=', dream.id),
                    ('state', 'not in', ['refused', 'cancelled']),
                    ], limit=1)
            if not others:
                continue
            if not dream.second_dream or not dream.second_dream_reason:
                other, = others
                raise SecondDreamError(gettext(
                        'connexion_dreams.msg_dream_second_dream',
                        child=dream.child.rec_name,
                        state=other.state_string))

    @classmethod
    def check_people(cls, dreams, field_names):
        "Only volunteers cleared to meet minors accompany a child."
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        if not field_names & {'tutor', 'volunteers'}:
            return
        for dream in dreams:
            if len(dream.volunteers) > 2:
                raise DreamTeamError(gettext(
                        'connexion_dreams.msg_dream_pair',
                        dream=dream.rec_name))
            people = list(dream.volunteers)
            if dream.tutor:
                people.append(dream.tutor)
            Volunteer.check_may_meet_minors(people, dream.dream_date)

    state_string = state.translated('state')

    @classmethod
    def check_modification(cls, mode, dreams, values=None, external=False):
        "A closed, refused or cancelled dream is kept as it was."
        super().check_modification(
            mode, dreams, values=values, external=external)
        if mode in {'write', 'delete'} and external:
            for dream in dreams:
                if dream.state in FINAL_STATES:
                    raise DreamClosedError(gettext(
                            'connexion_dreams.msg_dream_final',
                            dream=dream.rec_name,
                            state=dream.state_string))

    @classmethod
    def on_modification(cls, mode, dreams, field_names=None):
        pool = Pool()
        Activity = pool.get('connexion.dream.activity')
        super().on_modification(mode, dreams, field_names=field_names)
        if mode == 'create':
            # A new referral asks for the eligibility check within a week.
            Activity.create([
                    Activity.step_values(d, 'referral', d.referral_date)
                    for d in dreams if d.state == 'referral'])
        if mode == 'create' or (field_names or set()) & {
                'referral_date', 'realisation_date'}:
            to_write = []
            for dream in dreams:
                lead_time = None
                if dream.realisation_date:
                    lead_time = (
                        dream.realisation_date - dream.referral_date).days
                if dream.lead_time != lead_time:
                    to_write.extend([[dream], {'lead_time': lead_time}])
            if to_write:
                cls.write(*to_write)

    @classmethod
    def last_news(cls, dreams):
        "Last step, activity done or chat message, per dream."
        pool = Pool()
        Message = pool.get('ir.chat.message')
        news = {d.id: d.last_news_date or d.referral_date for d in dreams}
        messages = Message.search([
                ('channel.resource', 'in',
                    [str(d) for d in dreams]),
                ], order=[('create_date', 'ASC')])
        for message in messages:
            dream_id = message.channel.resource.id
            date = message.create_date.date()
            if date > news[dream_id]:
                news[dream_id] = date
        return news

    @classmethod
    def send_reminders(cls, date=None):
        "Remind the tutor of dreams without news (cron)."
        pool = Pool()
        Activity = pool.get('connexion.dream.activity')
        Configuration = pool.get('connexion.dream.configuration')
        config = Configuration(1)
        date = date or Pool().get('ir.date').today()
        dreams = cls.search([('state', 'in', OPEN_STATES)])
        news = cls.last_news(dreams)
        reminded = {a.dream for a in Activity.search([
                    ('dream', 'in', [d.id for d in dreams]),
                    ('kind', '=', 'reminder'),
                    ('done', '=', False),
                    ])}
        to_remind = []
        for dream in dreams:
            days = (config.urgent_reminder_days if dream.urgent
                else config.reminder_days)
            if (dream not in reminded
                    and (date - news[dream.id]).days >= days):
                to_remind.append(dream)
        if to_remind:
            Activity.create([
                    Activity.reminder_values(d, date, news[d.id])
                    for d in to_remind])
        return to_remind


class DreamVolunteer(ModelSQL):
    __name__ = 'connexion.dream-connexion.volunteer'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    volunteer = fields.Many2One(
        'connexion.volunteer', "Volunteer", required=True,
        ondelete='RESTRICT')
