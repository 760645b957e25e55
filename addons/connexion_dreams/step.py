"""The steps of a dream: one button each, from the referral to the
closing; each step is checked, dates itself, plans the next one and tells
what it still needs. The design opens the dream's analytic account."""
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from connexion_asso.mail import mail_language

from .child import age_on
from .dream import STEP_DATES, STEP_DELAYS
from .exceptions import DreamStepError, EligibilityError

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


def _open_states(*states):
    "States (PYSON) where a button is visible."
    return {'invisible': ~Eval('state').in_(list(states))}


class Dream(metaclass=PoolMeta):
    __name__ = 'connexion.dream'

    analytic_account = fields.Many2One(
        'analytic_account.account', "Analytic Account", readonly=True,
        ondelete='RESTRICT')
    next_step = fields.Function(fields.Text(
            "Next Step",
            help="What the next step needs and on which tab it is filled."),
        'get_next_step')

    @classmethod
    def __setup__(cls):
        super().__setup__()
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
        # Analytic accounts used to be named after the child, in French
        # ("Rêve de <nom>"): finance reads them, so they carry the dream
        # number only (in French as they were; new ones are named in the
        # association's language, msg_dream_analytic_name).
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        account = Account.__table__()
        translation = Translation.__table__()
        cursor.execute(*table.join(account,
                condition=table.analytic_account == account.id
                ).select(table.id, account.id,
                where=account.name.like('Rêve de %')))
        for dream_id, account_id in cursor.fetchall():
            cursor.execute(*account.update([account.name],
                    [f'Rêve n° {dream_id}'], where=account.id == account_id))
            cursor.execute(*translation.delete(
                    where=(translation.name == 'analytic_account.account,name')
                    & (translation.res_id == account_id)))

    @classmethod
    def _transition_fields(cls):
        "Each step dates itself (_reach); the design opens the account."
        return super()._transition_fields() | {
            f for s, f in STEP_DATES if s != 'referral'} | {
            'lead_time', 'last_news_date', 'analytic_account'}

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
    def _require(cls, dreams, state, exception=DreamStepError):
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
            with Transaction().set_context(
                    language=mail_language(None, company)):
                root, = Account.create([{
                            'name': gettext(
                                'connexion_dreams.msg_dream_analytic_root'),
                            'code': 'REVES', 'type': 'root',
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
                # Named in the association's language, not the user's:
                # finance reads them in its accounts.
                with Transaction().set_context(
                        language=mail_language(None, dream.company)):
                    account, = Account.create([{
                                # The dream's number, never the child's name.
                                'name': gettext(
                                    'connexion_dreams.msg_dream_analytic_name',
                                    id=dream.id),
                                'code': f'REVE-{dream.id}',
                                'type': 'normal', 'root': root.id,
                                'parent': root.id,
                                'company': dream.company.id,
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
            cls._require([dream], 'eligible', EligibilityError)
            age = age_on(dream.child.birth_date, dream.referral_date)
            if not (config.min_age <= age <= config.max_age):
                raise EligibilityError(gettext(
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
