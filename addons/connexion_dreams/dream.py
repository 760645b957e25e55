"""Dreams: from the referral of a child to the closing of the dream.

Each step is a button that records its date; the steps are checked here so
that nobody can, for example, realise a dream without medical approval.
A reminder activity goes to the tutor when a dream gets no news.
"""
import datetime as dt
from decimal import Decimal

from sql import Literal, Null

from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, ModelSingleton, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access

from connexion_asso.workflow import TransitionOnlyMixin, VolunteerWriteMixin

from .child import age_on

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

# The step that follows each open state, and its button.
NEXT_STEPS = {
    'referral': ('eligible', 'check_eligibility'),
    'eligible': ('approved', 'approve'),
    'approved': ('discovery', 'discover'),
    'discovery': ('design', 'design'),
    'design': ('scheduled', 'schedule'),
    'scheduled': ('realised', 'realise'),
    'realised': ('follow_up', 'follow_up'),
    'follow_up': ('closed', 'close'),
    }
# What a step needs: the field, its message when missing, and the page of
# the dream's form that holds it (None: the top of the form).
STEP_REQUIREMENTS = {
    'eligible': [
        ('serious_illness', 'msg_dream_no_serious_illness', 'referral')],
    'approved': [('medical_doctor', 'msg_dream_no_doctor', 'referral')],
    'discovery': [('tutor', 'msg_dream_no_tutor', None)],
    'design': [('chosen_wish', 'msg_dream_no_chosen_wish', None)],
    'scheduled': [
        ('dream_date', 'msg_dream_no_dream_date', 'realisation'),
        ('plan', 'msg_dream_no_plan', 'wishes')],
    'realised': [
        ('medical_approval_date', 'msg_dream_no_medical_approval',
            'referral')],
    'closed': [('feedback', 'msg_dream_no_feedback', 'realisation')],
    'refused': [('reason', 'msg_dream_no_reason', None)],
    'cancelled': [('reason', 'msg_dream_no_reason', None)],
    }

REFERRERS = [
    ('hospital', "Hospital"),
    ('family', "Family"),
    ('child', "Child"),
    ('other', "Other"),
    ]

CATEGORIES = [
    ('be', "To Be"),
    ('have', "To Have"),
    ('go', "To Go"),
    ('meet', "To Meet"),
    ('give', "To Give"),
    ]


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'connexion.dream.configuration'

    min_age = fields.Integer(
        "Minimum Age", required=True,
        help="Youngest age of a child at referral.")
    max_age = fields.Integer(
        "Maximum Age", required=True,
        help="Oldest age of a child at referral.")
    reminder_days = fields.Integer(
        "Reminder After (days)", required=True,
        help="A reminder goes to the tutor after so many days without news.")
    urgent_reminder_days = fields.Integer(
        "Urgent Reminder After (days)", required=True,
        help="The same for urgent (palliative) dreams; also caps the "
        "delay given to each step.")
    analytic_root = fields.Many2One(
        'analytic_account.account', "Analytic Root",
        domain=[('type', '=', 'root')],
        help="Each dream gets an analytic account under this root.\n"
        "Leave empty to create a root named \"Rêves\".")

    @staticmethod
    def default_min_age():
        return 3

    @staticmethod
    def default_max_age():
        return 17

    @staticmethod
    def default_reminder_days():
        return 30

    @staticmethod
    def default_urgent_reminder_days():
        return 7


def _open_states(*states):
    "States (PYSON) where a button is visible."
    return {'invisible': ~Eval('state').in_(list(states))}


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
    analytic_account = fields.Many2One(
        'analytic_account.account', "Analytic Account", readonly=True,
        ondelete='RESTRICT')
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
    next_step = fields.Function(fields.Text(
            "Next Step",
            help="What the next step needs and on which tab it is filled."),
        'get_next_step')

    del _states_done

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('urgent', 'DESC NULLS LAST'),
            ('referral_date', 'ASC'),
            ('id', 'ASC'),
            ]
        cls._transitions |= {
            ('referral', 'eligible'),
            ('eligible', 'approved'),
            ('approved', 'discovery'),
            ('discovery', 'design'),
            ('design', 'scheduled'),
            ('scheduled', 'realised'),
            ('realised', 'follow_up'),
            ('follow_up', 'closed'),
            ('referral', 'refused'),
            ('eligible', 'refused'),
            ('approved', 'refused'),
            ('discovery', 'refused'),
            ('referral', 'cancelled'),
            ('eligible', 'cancelled'),
            ('approved', 'cancelled'),
            ('discovery', 'cancelled'),
            ('design', 'cancelled'),
            ('scheduled', 'cancelled'),
            }
        cls._buttons.update({
                'check_eligibility': _open_states('referral'),
                'approve': _open_states('eligible'),
                'discover': _open_states('approved'),
                'design': _open_states('discovery'),
                'schedule': _open_states('design'),
                'realise': _open_states('scheduled'),
                'follow_up': _open_states('realised'),
                'close': _open_states('follow_up'),
                'refuse': _open_states(
                    'referral', 'eligible', 'approved', 'discovery'),
                'cancel': _open_states(
                    'referral', 'eligible', 'approved', 'discovery',
                    'design', 'scheduled'),
                })

    @classmethod
    def __register__(cls, module):
        pool = Pool()
        Account = pool.get('analytic_account.account')
        Translation = pool.get('ir.translation')
        super().__register__(module)
        # Analytic accounts used to be named after the child ("Rêve de
        # <nom>"): finance reads them, so they carry the dream number only.
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        account = Account.__table__()
        translation = Translation.__table__()
        cursor.execute(*table.join(account,
                condition=table.analytic_account == account.id
                ).select(table.id, account.id,
                where=~account.name.like('Rêve n° %')))
        for dream_id, account_id in cursor.fetchall():
            cursor.execute(*account.update([account.name],
                    [f'Rêve n° {dream_id}'], where=account.id == account_id))
            cursor.execute(*translation.delete(
                    where=(translation.name == 'analytic_account.account,name')
                    & (translation.res_id == account_id)))

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
    def _transition_fields(cls):
        "Each step dates itself (_reach); the design opens the account."
        return super()._transition_fields() | {
            f for s, f in STEP_DATES if s != 'referral'} | {
            'lead_time', 'last_news_date', 'analytic_account'}

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
        today = Pool().get('ir.date').today()
        return any(not a.done and a.due_date < today
            for a in self.activities)

    @classmethod
    def search_overdue(cls, name, clause):
        pool = Pool()
        Activity = pool.get('connexion.dream.activity')
        activity = Activity.__table__()
        _, operator, value = clause
        query = activity.select(activity.dream,
            where=((activity.done == Literal(False)) | (activity.done == Null))
            & (activity.due_date < Pool().get('ir.date').today()))
        if (operator == '=') == bool(value):
            return [('id', 'in', query)]
        return [('id', 'not in', query)]

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
                raise ValidationError(gettext(
                        'connexion_dreams.msg_dream_no_medical_approval',
                        dream=dream.rec_name))
            previous = None
            for _, name in STEP_DATES:
                date = getattr(dream, name)
                if not date:
                    continue
                if previous and date < previous[1]:
                    raise ValidationError(gettext(
                            'connexion_dreams.msg_dream_dates_order',
                            dream=dream.rec_name,
                            field=cls.fields_get([name])[name]['string'],
                            previous=cls.fields_get(
                                [previous[0]])[previous[0]]['string']))
                previous = (name, date)
            if (dream.dream_date
                    and dream.dream_date < dream.medical_approval_date):
                raise ValidationError(gettext(
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
                raise ValidationError(gettext(
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
                raise ValidationError(gettext(
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
                    raise AccessError(gettext(
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

    # Steps
    @classmethod
    def _missing(cls, dream, state):
        "(field, message, page) of what the step to state needs and lacks."
        return [(field, message, page)
            for field, message, page in STEP_REQUIREMENTS.get(state, [])
            if not getattr(dream, field)]

    @staticmethod
    def _where(page):
        "The place of the form that holds a field, as the form names it."
        return gettext(f'connexion_dreams.msg_dream_page_{page or "top"}')

    @classmethod
    def _require(cls, dreams, state, exception=UserError):
        "Refuse the step to state, saying what is missing and where."
        for dream in dreams:
            for field, message, page in cls._missing(dream, state):
                raise exception(gettext(
                        f'connexion_dreams.{message}', dream=dream.rec_name),
                    gettext('connexion_dreams.msg_dream_missing_where',
                        field=cls.fields_get([field])[field]['string'],
                        where=cls._where(page)))

    @classmethod
    def get_next_step(cls, dreams, name):
        """The next step's button and what it still needs, field by field
        with its tab: the whole list up front, not one error at a time."""
        pool = Pool()
        Button = pool.get('ir.model.button')
        # The buttons' translated names (read by anyone who sees the form).
        with without_check_access():
            buttons = {b.name: b.string for b in Button.search([
                        ('model', '=', cls.__name__)])}
        strings = {f: f_['string'] for f, f_ in cls.fields_get(
                [f for r in STEP_REQUIREMENTS.values() for f, _, _ in r]
                ).items()}
        result = {}
        for dream in dreams:
            if dream.state not in NEXT_STEPS:
                result[dream.id] = None
                continue
            state, button = NEXT_STEPS[dream.state]
            missing = cls._missing(dream, state)
            if missing:
                result[dream.id] = gettext(
                    'connexion_dreams.msg_dream_next_step_missing',
                    step=buttons.get(button, button),
                    missing='\n'.join(gettext(
                                'connexion_dreams.msg_dream_missing_item',
                                field=strings[field],
                                where=cls._where(page))
                        for field, _, page in missing))
            else:
                result[dream.id] = gettext(
                    'connexion_dreams.msg_dream_next_step_ready',
                    step=buttons.get(button, button))
        return result

    @classmethod
    def _reach(cls, dreams, state):
        "Date the step, close the previous activities, plan the next step."
        pool = Pool()
        Activity = pool.get('connexion.dream.activity')
        today = Pool().get('ir.date').today()
        date_field = dict(STEP_DATES).get(state)
        to_write = []
        for dream in dreams:
            values = {'last_news_date': today}
            if date_field and not getattr(dream, date_field):
                values[date_field] = today
            to_write.extend([[dream], values])
        if to_write:
            cls.write(*to_write)
        Activity.close_open(dreams)
        if state in STEP_DELAYS:
            Activity.create([
                    Activity.step_values(dream, state) for dream in dreams])
        cls.chat_post(dreams, 'connexion_dreams.msg_dream_chat_step',
            step=dict(cls.fields_get(['state'])['state']['selection'])[
                state])

    @classmethod
    def analytic_root(cls, company):
        "The analytic root of the dreams, created the first time."
        pool = Pool()
        Configuration = pool.get('connexion.dream.configuration')
        Account = pool.get('analytic_account.account')
        config = Configuration(1)
        if config.analytic_root:
            return config.analytic_root
        roots = Account.search([
                ('type', '=', 'root'), ('code', '=', 'REVES'),
                ('company', '=', company.id)], limit=1)
        if roots:
            root, = roots
        else:
            root, = Account.create([{
                        'name': "Rêves", 'code': 'REVES', 'type': 'root',
                        'company': company.id, 'state': 'opened'}])
        return root

    @classmethod
    def create_analytic_accounts(cls, dreams):
        "One analytic account per dream, so its costs show in accounting."
        pool = Pool()
        Account = pool.get('analytic_account.account')
        with Transaction().set_context(_check_access=False):
            for dream in dreams:
                if dream.analytic_account:
                    continue
                root = cls.analytic_root(dream.company)
                account, = Account.create([{
                            # Finance reads the analytic accounts: the
                            # dream's number, never the child's name.
                            'name': gettext(
                                'connexion_dreams.msg_dream_analytic_name',
                                id=dream.id),
                            'code': f'REVE-{dream.id}',
                            'type': 'normal', 'root': root.id,
                            'parent': root.id, 'company': dream.company.id,
                            'state': 'opened'}])
                cls.write([dream], {'analytic_account': account.id})

    @classmethod
    @ModelView.button
    @Workflow.transition('eligible')
    def check_eligibility(cls, dreams):
        "Age at referral, serious illness and no earlier dream."
        pool = Pool()
        Configuration = pool.get('connexion.dream.configuration')
        config = Configuration(1)
        for dream in dreams:
            cls._require([dream], 'eligible', ValidationError)
            age = age_on(dream.child.birth_date, dream.referral_date)
            if not (config.min_age <= age <= config.max_age):
                raise ValidationError(gettext(
                        'connexion_dreams.msg_dream_age',
                        child=dream.child.rec_name, age=age,
                        min_age=config.min_age, max_age=config.max_age))
        cls.check_second_dream(dreams, {'state'})
        cls._reach(dreams, 'eligible')

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, dreams):
        "The doctor agrees that the child can live the dream."
        cls._require(dreams, 'approved')
        cls._reach(dreams, 'approved')

    @classmethod
    @ModelView.button
    @Workflow.transition('discovery')
    def discover(cls, dreams):
        "The tutor meets the child to discover up to three wishes."
        cls._require(dreams, 'discovery')
        cls._reach(dreams, 'discovery')

    @classmethod
    @ModelView.button
    @Workflow.transition('design')
    def design(cls, dreams):
        cls._require(dreams, 'design')
        cls.create_analytic_accounts(dreams)
        cls._reach(dreams, 'design')

    @classmethod
    @ModelView.button
    @Workflow.transition('scheduled')
    def schedule(cls, dreams):
        cls._require(dreams, 'scheduled')
        # The volunteers must still be cleared on the day of the dream.
        cls.check_people(dreams, {'tutor'})
        cls.create_analytic_accounts(dreams)
        cls._reach(dreams, 'scheduled')

    @classmethod
    @ModelView.button
    @Workflow.transition('realised')
    def realise(cls, dreams):
        cls._require(dreams, 'realised')
        cls._reach(dreams, 'realised')

    @classmethod
    @ModelView.button
    @Workflow.transition('follow_up')
    def follow_up(cls, dreams):
        cls._reach(dreams, 'follow_up')

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, dreams):
        cls._require(dreams, 'closed')
        cls._reach(dreams, 'closed')

    @classmethod
    @ModelView.button
    @Workflow.transition('refused')
    def refuse(cls, dreams):
        cls._require(dreams, 'refused')
        cls._reach(dreams, 'refused')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, dreams):
        cls._require(dreams, 'cancelled')
        cls._reach(dreams, 'cancelled')

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


class Wish(ModelSQL, ModelView):
    __name__ = 'connexion.dream.wish'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    rank = fields.Integer(
        "Rank", required=True,
        domain=[('rank', '>=', 1), ('rank', '<=', 3)],
        help="1 for the wish the child prefers.")
    category = fields.Selection(CATEGORIES, "Category", required=True)
    description = fields.Char("Description", required=True)
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('dream_rank_unique', Unique(t, t.dream, t.rank),
                'connexion_dreams.msg_wish_rank_unique'),
            ]
        cls._order = [('dream', 'ASC'), ('rank', 'ASC'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return self.description

    @classmethod
    def validate_fields(cls, wishes, field_names):
        "A child names at most three wishes."
        super().validate_fields(wishes, field_names)
        for dream in {w.dream for w in wishes}:
            if len(dream.wishes) > 3:
                raise ValidationError(gettext(
                        'connexion_dreams.msg_dream_three_wishes',
                        dream=dream.rec_name))


class Cost(ModelSQL, ModelView):
    __name__ = 'connexion.dream.cost'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    description = fields.Char("Description", required=True)
    supplier = fields.Many2One('party.party', "Supplier", ondelete='RESTRICT')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        domain=[('amount', '>=', 0)])

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    def get_currency(self, name):
        return self.dream.currency.id if self.dream.currency else None


class Contribution(ModelSQL, ModelView):
    __name__ = 'connexion.dream.contribution'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Partner", required=True, ondelete='RESTRICT',
        help="The company that gives goods or services.")
    description = fields.Char("Description", required=True)
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"), 'get_currency')
    amount = Monetary(
        "Valued Amount", currency='currency', digits='currency',
        required=True, domain=[('amount', '>=', 0)],
        help="The value the partner gives to the contribution.")

    def get_currency(self, name):
        return self.dream.currency.id if self.dream.currency else None


class Photo(ModelSQL, ModelView):
    __name__ = 'connexion.dream.photo'

    dream = fields.Many2One(
        'connexion.dream', "Dream", required=True, ondelete='CASCADE')
    image = fields.Binary("Image", required=True, filename='name')
    name = fields.Char("File Name")
    caption = fields.Char("Caption")

    @classmethod
    def validate_fields(cls, photos, field_names):
        "Photos of a child are kept only with the image-rights consent."
        super().validate_fields(photos, field_names)
        for photo in photos:
            child = photo.dream.child
            if not child.has_consent('image_rights'):
                raise ValidationError(gettext(
                        'connexion_dreams.msg_photo_no_consent',
                        child=child.rec_name))


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
