"""The idea box: anyone may submit an idea, named or anonymous, on paper, by
e-mail, on the portal or in a meeting; the team's referent reviews it and
answers publicly."""
import datetime as dt
import secrets
from email.message import EmailMessage
from email.utils import parseaddr

from sql import Null
from sql.aggregate import Count

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow,
    dualmethod, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, PYSONEncoder
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from connexion_asso.workflow import TransitionOnlyMixin

from .exceptions import (
    IdeaAnonymityError, IdeaAnswerError, IdeaAuthorError, VoteError)

CHANNELS = [
    ('portal', "Portal"),
    ('email', "E-mail"),
    ('box', "Physical Box"),
    ('meeting', "Meeting"),
    ]
OPEN_STATES = {'new', 'review', 'accepted', 'in_progress'}


class Category(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.idea.category'

    name = fields.Char("Name", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class Idea(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'connexion.idea'

    _readonly = {'readonly': Eval('state') != 'new'}

    title = fields.Char("Title", required=True, states=_readonly)
    text = fields.Text("Text", required=True, states=_readonly)
    team = fields.Many2One(
        'connexion.team', "Team", ondelete='RESTRICT',
        help="The team concerned by the idea.")
    category = fields.Many2One(
        'connexion.idea.category', "Category", ondelete='RESTRICT')
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, states=_readonly)
    received_date = fields.Date("Received Date", required=True)
    anonymous = fields.Boolean(
        "Anonymous",
        states={'readonly': Eval('id', -1) >= 0},
        help="No author is stored anywhere, not even who entered the idea.")
    author = fields.Many2One(
        'party.party', "Author", ondelete='RESTRICT',
        states={
            'invisible': Bool(Eval('anonymous')),
            'required': ~Eval('anonymous'),
            'readonly': Eval('state') != 'new',
            })
    referent = fields.Many2One(
        'res.user', "Referent", ondelete='RESTRICT',
        help="The referent of the team who reviews the idea.")
    answer = fields.Text(
        "Public Answer",
        states={'readonly': ~Eval('state').in_(list(OPEN_STATES))},
        help="Shown to the author and on the portal.")
    answer_date = fields.Date("Answer Date", readonly=True)
    duplicate_of = fields.Many2One(
        'connexion.idea', "Duplicate of", ondelete='RESTRICT',
        domain=[('id', '!=', Eval('id', -1))],
        states={'invisible': ~Eval('state').in_(['new', 'review', 'duplicate']),
            'readonly': Eval('state') == 'duplicate'})
    votes = fields.One2Many('connexion.idea.vote', 'idea', "Votes")
    vote_count = fields.Function(
        fields.Integer("Votes"), 'get_vote_count')
    comments = fields.One2Many('connexion.idea.comment', 'idea', "Comments")
    public_key = fields.Char(
        "Public Key", readonly=True, strip=False,
        help="Names the idea in the portal's addresses: random, unlike the "
        "id, whose order would place an anonymous idea next to the named "
        "ideas sent at the same time.")
    state = fields.Selection([
            ('new', "New"),
            ('review', "Under Review"),
            ('accepted', "Accepted"),
            ('in_progress', "In Progress"),
            ('done', "Done"),
            ('rejected', "Rejected"),
            ('duplicate', "Duplicate"),
            ], "State", readonly=True, required=True, sort=False)

    del _readonly

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('received_date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.public_key, Index.Equality())))
        cls._transitions |= {
            ('new', 'review'),
            ('review', 'accepted'),
            ('accepted', 'in_progress'),
            ('in_progress', 'done'),
            ('accepted', 'done'),
            ('new', 'rejected'),
            ('review', 'rejected'),
            ('new', 'duplicate'),
            ('review', 'duplicate'),
            ('rejected', 'review'),
            ('duplicate', 'review'),
            }
        cls._buttons.update({
                'review': {
                    'invisible': ~Eval('state').in_(
                        ['new', 'rejected', 'duplicate']),
                    'depends': ['state'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'review',
                    'depends': ['state'],
                    },
                'start': {
                    'invisible': Eval('state') != 'accepted',
                    'depends': ['state'],
                    },
                'do': {
                    'invisible': ~Eval('state').in_(
                        ['accepted', 'in_progress']),
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': ~Eval('state').in_(['new', 'review']),
                    'depends': ['state'],
                    },
                'mark_duplicate': {
                    'invisible': ~Eval('state').in_(['new', 'review']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        # Ideas made before the public key get one.
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id,
                where=table.public_key == Null))
        for id_, in cursor.fetchall():
            cursor.execute(*table.update([table.public_key],
                    [cls._new_public_key()], where=table.id == id_))

    @staticmethod
    def _new_public_key():
        return secrets.token_urlsafe(18)

    @staticmethod
    def default_state():
        return 'new'

    @classmethod
    def _transition_fields(cls):
        "Closing an idea dates its public answer."
        return super()._transition_fields() | {'answer_date'}

    @classmethod
    def _state_locked_fields(cls):
        # The answer e-mailed to the author when the idea was closed.
        locked = super()._state_locked_fields()
        locked['answer'] = set(OPEN_STATES)
        return locked

    @staticmethod
    def default_anonymous():
        return False

    @staticmethod
    def default_channel():
        return 'box'

    @staticmethod
    def default_received_date():
        return Pool().get('ir.date').today()

    @fields.depends('team', 'referent')
    def on_change_team(self):
        if self.team and self.team.referents:
            self.referent = self.team.referents[0]

    @fields.depends('anonymous')
    def on_change_anonymous(self):
        if self.anonymous:
            self.author = None

    @classmethod
    def get_vote_count(cls, ideas, name):
        pool = Pool()
        Vote = pool.get('connexion.idea.vote')
        vote = Vote.__table__()
        cursor = Transaction().connection.cursor()
        counts = dict.fromkeys((i.id for i in ideas), 0)
        cursor.execute(*vote.select(
                vote.idea, Count(vote.id),
                where=vote.idea.in_(list(counts)),
                group_by=[vote.idea]))
        counts.update(cursor)
        return counts

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Team = pool.get('connexion.team')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['public_key'] = cls._new_public_key()
        if (mode == 'create' and values.get('team')
                and not values.get('referent')):
            team = Team(values['team'])
            if team.referents:
                values['referent'] = team.referents[0].id
        return values

    @classmethod
    def create(cls, vlist):
        """Anonymous ideas are inserted as the root user: create_uid and
        write_uid then tell nothing about who typed or sent them; their
        creation time keeps only the day, so that it cannot be matched with
        the activity of a portal session or of a staff member."""
        # Before _create inserts anonymous ideas as root.
        cls._check_transition_create(vlist)
        ideas = cls._create(vlist)
        anonymous = [i.id for i in ideas if i.anonymous]
        if anonymous:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            today = Pool().get('ir.date').today()
            cursor.execute(*table.update(
                    [table.create_date],
                    [dt.datetime.combine(today, dt.time())],
                    where=table.id.in_(anonymous)))
        return ideas

    @classmethod
    def _create(cls, vlist):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        transaction = Transaction()
        anonymous = [i for i, v in enumerate(vlist) if v.get('anonymous')]
        if not anonymous or not transaction.user:
            return super().create(vlist)
        ModelAccess.check(cls.__name__, 'create')
        for values in vlist:
            if values.get('anonymous') and values.get('author'):
                raise IdeaAuthorError(gettext(
                        'connexion_ideas.msg_idea_anonymous_author',
                        idea=values.get('title', '')))
        named = [v for i, v in enumerate(vlist) if i not in anonymous]
        records = dict(zip(
                (i for i in range(len(vlist)) if i not in anonymous),
                super().create(named) if named else []))
        with transaction.set_user(0):
            records.update(zip(anonymous,
                    super().create([vlist[i] for i in anonymous])))
        return cls.browse([records[i].id for i in range(len(vlist))])

    @dualmethod
    def log(cls, records, event, target=None, user=None, **extra):
        """Until its review, whoever edits an anonymous idea is most likely
        who entered it: the model log does not record it."""
        records = [r for r in records
            if not (r.anonymous and r.state == 'new')]
        if records:
            super().log(records, event, target=target, user=user, **extra)

    @classmethod
    def validate_fields(cls, ideas, field_names):
        super().validate_fields(ideas, field_names)
        for idea in ideas:
            if idea.anonymous and idea.author:
                raise IdeaAuthorError(gettext(
                        'connexion_ideas.msg_idea_anonymous_author',
                        idea=idea.rec_name))

    @classmethod
    def check_modification(
            cls, mode, ideas, values=None, external=False):
        super().check_modification(
            mode, ideas, values=values, external=external)
        if mode == 'write' and 'anonymous' in values:
            for idea in ideas:
                if idea.anonymous != values['anonymous']:
                    raise IdeaAnonymityError(gettext(
                            'connexion_ideas.msg_idea_anonymous_change',
                            idea=idea.rec_name))

    def get_rec_name(self, name):
        return self.title

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('title',) + tuple(clause[1:])]

    @classmethod
    def _answer(cls, ideas, message):
        """Closing an idea needs a public answer to its author, who gets it
        by e-mail when the idea is named."""
        for idea in ideas:
            if not (idea.answer or '').strip():
                raise IdeaAnswerError(gettext(message, idea=idea.rec_name))
        cls.write(ideas, {'answer_date': Pool().get('ir.date').today()})
        for idea in ideas:
            idea.send_answer()

    def portal_sections(self, page):
        """The parts that other modules add to the idea's portal page, below
        its answer: HTML fragments (page.fragment), extended with super()
        (connexion_governance: the committee's decision)."""
        return []

    @property
    def author_email(self):
        "The author's e-mail, else the one of the author's portal account."
        pool = Pool()
        WebUser = pool.get('web.user')
        if self.anonymous or not self.author:
            return None
        if self.author.email:
            return self.author.email
        users = WebUser.search([
                ('party', '=', self.author.id),
                ('email', '!=', None),
                ], limit=1)
        return users[0].email if users else None

    def send_answer(self):
        """Send the public answer to the author when the transaction commits
        (nothing leaves if it rolls back)."""
        to = self.author_email
        if not to:
            return
        lang = self.author.lang.code if self.author.lang else 'fr'
        with Transaction().set_context(language=lang):
            state = dict(self.fields_get(['state'])['state']['selection'])[
                self.state]
            subject = gettext('connexion_ideas.msg_idea_answer_email_subject',
                idea=self.title)
            body = gettext('connexion_ideas.msg_idea_answer_email_body',
                name=self.author.name, idea=self.title, state=state,
                answer=self.answer.strip())
        msg = EmailMessage()
        msg['From'] = config.get('email', 'from')
        msg['To'] = to
        msg['Subject'] = subject
        msg.set_content(body)
        send_message_transactional(msg)

    @classmethod
    @ModelView.button
    @Workflow.transition('review')
    def review(cls, ideas):
        cls.write(ideas, {'answer_date': None})

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, ideas):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('in_progress')
    def start(cls, ideas):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, ideas):
        cls._answer(ideas, 'connexion_ideas.msg_idea_answer_done')

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, ideas):
        cls._answer(ideas, 'connexion_ideas.msg_idea_answer_reject')

    @classmethod
    @ModelView.button
    @Workflow.transition('duplicate')
    def mark_duplicate(cls, ideas):
        for idea in ideas:
            if not idea.duplicate_of:
                raise IdeaAnswerError(gettext(
                        'connexion_ideas.msg_idea_duplicate_of',
                        idea=idea.rec_name))
        cls._answer(ideas, 'connexion_ideas.msg_idea_answer_reject')

    @classmethod
    def from_inbound_email(cls, inbound_email, rule):
        "An e-mail to the idea box becomes a named idea of its sender."
        pool = Pool()
        Party = pool.get('party.party')
        Contact = pool.get('party.contact_mechanism')
        message = inbound_email.as_dict()
        address = message.get('from') or ''
        name, _ = parseaddr(message.get('headers', {}).get('From', ''))
        contacts = Contact.search([
                ('type', '=', 'email'),
                ('value', '=', address),
                ], limit=1) if address else []
        if contacts:
            author = contacts[0].party
        else:
            author, = Party.create([{
                        'name': name or address or '?',
                        'contact_mechanisms': [('create', [{
                                        'type': 'email', 'value': address,
                                        }])] if address else [],
                        }])
        text = (message.get('text') or message.get('html') or '').strip()
        idea, = cls.create([{
                    'title': (message.get('subject') or '').strip()[:200]
                    or text[:80] or '?',
                    'text': text or '-',
                    'channel': 'email',
                    'author': author.id,
                    }])
        return idea


class Vote(ModelSQL, ModelView):
    __name__ = 'connexion.idea.vote'

    idea = fields.Many2One(
        'connexion.idea', "Idea", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Voter", required=True, ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('idea_party_unique', Unique(t, t.idea, t.party),
                'connexion_ideas.msg_vote_unique'),
            ]

    @classmethod
    def validate_fields(cls, votes, field_names):
        super().validate_fields(votes, field_names)
        for vote in votes:
            if vote.idea.state not in OPEN_STATES:
                raise VoteError(gettext(
                        'connexion_ideas.msg_vote_closed',
                        idea=vote.idea.rec_name))
            if vote.idea.author == vote.party:
                raise VoteError(gettext(
                        'connexion_ideas.msg_vote_own_idea',
                        idea=vote.idea.rec_name))


class Comment(ModelSQL, ModelView):
    __name__ = 'connexion.idea.comment'

    idea = fields.Many2One(
        'connexion.idea', "Idea", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='SET NULL')
    text = fields.Text("Text", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def default_user(cls):
        return Transaction().user or None


class InboundEmailRule(metaclass=PoolMeta):
    __name__ = 'inbound.email.rule'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.action.selection.append(
            ('connexion.idea|from_inbound_email', "Create an Idea"))


class BatchStart(ModelView):
    __name__ = 'connexion.idea.batch.start'

    channel = fields.Selection(CHANNELS, "Channel", required=True)
    received_date = fields.Date("Received Date", required=True)
    team = fields.Many2One(
        'connexion.team', "Team",
        help="The team of every idea of the batch without its own team.")
    lines = fields.One2Many(
        'connexion.idea.batch.line', None, "Ideas", required=True)

    @staticmethod
    def default_channel():
        return 'box'

    @staticmethod
    def default_received_date():
        return Pool().get('ir.date').today()


class BatchLine(ModelView):
    __name__ = 'connexion.idea.batch.line'

    title = fields.Char("Title", required=True)
    text = fields.Text("Text", required=True)
    team = fields.Many2One('connexion.team', "Team")
    category = fields.Many2One('connexion.idea.category', "Category")
    author = fields.Many2One(
        'party.party', "Author",
        help="Leave empty for an anonymous idea.")


class Batch(Wizard):
    """Weekly entry of the paper ideas of the physical box: many ideas in one
    form, anonymous unless the author signed."""
    __name__ = 'connexion.idea.batch'

    start = StateView(
        'connexion.idea.batch.start',
        'connexion_ideas.idea_batch_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateAction('connexion_ideas.act_idea_form')

    def do_create_(self, action):
        pool = Pool()
        Idea = pool.get('connexion.idea')
        ideas = Idea.create([{
                    'title': line.title,
                    'text': line.text,
                    'team': (line.team or self.start.team).id
                    if (line.team or self.start.team) else None,
                    'category': line.category.id if line.category else None,
                    'author': line.author.id if line.author else None,
                    'anonymous': not line.author,
                    'channel': self.start.channel,
                    'received_date': self.start.received_date,
                    } for line in self.start.lines])
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [i.id for i in ideas])])
        return action, {}
