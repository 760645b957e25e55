"""Consents: what a person agreed to, when, how, and proof of it.

GDPR requires showing the consent that was given at a date: a change of mind
is recorded as a new consent, never by editing the old one, so the history
is the proof. The latest consent per party and purpose is the current one.
"""

from dateutil.relativedelta import relativedelta
from sql.functions import RowNumber
from sql import Window

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ConsentHistoryError, ConsentPurposeError

CHANNELS = [
    ('portal', "Portal"),
    ('paper', "Paper"),
    ('email', "E-mail"),
    ('phone', "Phone"),
    ]


class ConsentPurpose(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.consent.purpose'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char(
        "Code", required=True,
        help="Used by the modules to ask whether a consent was given.")
    description = fields.Text(
        "Description", translate=True,
        help="What the person agrees to, as shown to them.")
    explicit = fields.Boolean(
        "Requires Explicit Consent",
        help="Sensitive data (health, images of children): the consent must "
        "be an explicit, written act.")
    validity_months = fields.Integer(
        "Default Validity (months)",
        domain=['OR',
            ('validity_months', '=', None),
            ('validity_months', '>', 0),
            ],
        help="Consents expire after this many months; empty for no expiry.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'connexion_asso.msg_consent_purpose_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def get_by_code(cls, code):
        "The purpose of the code or None."
        purposes = cls.search([('code', '=', code)], limit=1)
        return purposes[0] if purposes else None


class Consent(ModelSQL, ModelView):
    __name__ = 'connexion.consent'

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    purpose = fields.Many2One(
        'connexion.consent.purpose', "Purpose", required=True,
        ondelete='RESTRICT')
    state = fields.Selection([
            ('given', "Given"),
            ('withdrawn', "Withdrawn"),
            ], "State", required=True)
    date = fields.Date("Date", required=True)
    channel = fields.Selection(CHANNELS, "Channel", required=True)
    proof = fields.Text(
        "Proof",
        help="How the consent was collected: form text, e-mail, call notes. "
        "Scans go in the attachments.")
    recorded_by = fields.Many2One(
        'res.user', "Recorded by", readonly=True, ondelete='SET NULL')
    expiry_date = fields.Date(
        "Expiry Date",
        domain=['OR',
            ('expiry_date', '=', None),
            ('expiry_date', '>=', Eval('date', None)),
            ],
        states={
            'invisible': Eval('state') != 'given',
            },
        help="Empty: the consent does not expire.")
    guardian = fields.Many2One(
        'party.party', "Guardian", ondelete='RESTRICT',
        help="For a minor: the holder of parental authority who consented "
        "jointly.")
    current = fields.Function(fields.Boolean(
            "Current",
            help="The latest consent of the party for this purpose."),
        'get_current', searcher='search_current')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_state():
        return 'given'

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_channel():
        return 'paper'

    @staticmethod
    def default_recorded_by():
        return Transaction().user or None

    @fields.depends('purpose', 'date', 'state', 'expiry_date')
    def on_change_purpose(self):
        self.expiry_date = self.compute_expiry_date()

    @fields.depends(methods=['on_change_purpose'])
    def on_change_date(self):
        self.on_change_purpose()

    @fields.depends('purpose', 'date', 'state')
    def compute_expiry_date(self):
        if (self.state == 'given' and self.purpose and self.date
                and self.purpose.validity_months):
            return self.date + relativedelta(
                months=self.purpose.validity_months)

    def get_rec_name(self, name):
        return f'{self.party.rec_name} - {self.purpose.rec_name}'

    @classmethod
    def _current_query(cls):
        "SQL query of the ids of the latest consent per party and purpose."
        table = cls.__table__()
        rank = RowNumber(window=Window(
                [table.party, table.purpose],
                order_by=[table.date.desc, table.id.desc]))
        ranked = table.select(table.id, rank.as_('rank'))
        return ranked.select(ranked.id, where=ranked.rank == 1)

    @classmethod
    def get_current(cls, consents, name):
        cursor = Transaction().connection.cursor()
        cursor.execute(*cls._current_query())
        current = {i for i, in cursor}
        return {c.id: c.id in current for c in consents}

    @classmethod
    def search_current(cls, name, clause):
        _, operator, value = clause
        in_ = 'in' if bool(value) == (operator == '=') else 'not in'
        return [('id', in_, cls._current_query())]

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if 'expiry_date' not in values:
                consent = cls(
                    purpose=values.get('purpose'),
                    date=values.get('date') or cls.default_date(),
                    state=values.get('state') or cls.default_state())
                values['expiry_date'] = consent.compute_expiry_date()
            values.setdefault('recorded_by', cls.default_recorded_by())
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        "History is never overwritten: a change of mind is a new consent."
        if Transaction().check_access:
            raise ConsentHistoryError(
                gettext('connexion_asso.msg_consent_history'))
        super().write(*args)

    @classmethod
    def delete(cls, consents):
        if Transaction().check_access:
            raise ConsentHistoryError(
                gettext('connexion_asso.msg_consent_history'))
        super().delete(consents)

    @classmethod
    def copy(cls, consents, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('recorded_by', cls.default_recorded_by())
        return super().copy(consents, default=default)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    consents = fields.One2Many(
        'connexion.consent', 'party', "Consents", readonly=True)

    def current_consent(self, purpose_code, date=None):
        "The latest consent of this party for the purpose, on the date."
        Consent = Pool().get('connexion.consent')
        date = date or Pool().get('ir.date').today()
        consents = Consent.search([
                ('party', '=', self.id),
                ('purpose.code', '=', purpose_code),
                ('date', '<=', date),
                ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
        return consents[0] if consents else None

    def has_consent(self, purpose_code, date=None):
        "Whether the party's latest consent is given and valid on the date."
        date = date or Pool().get('ir.date').today()
        consent = self.current_consent(purpose_code, date=date)
        return bool(
            consent and consent.state == 'given'
            and (not consent.expiry_date or date <= consent.expiry_date))

    @classmethod
    def _record_consent(cls, parties, purpose_code, state, **values):
        pool = Pool()
        Consent = pool.get('connexion.consent')
        Purpose = pool.get('connexion.consent.purpose')
        purpose = Purpose.get_by_code(purpose_code)
        if not purpose:
            raise ConsentPurposeError(gettext(
                    'connexion_asso.msg_consent_purpose_unknown',
                    code=purpose_code))
        return Consent.create([{
                    'party': p.id, 'purpose': purpose.id, 'state': state,
                    **values} for p in parties])

    @classmethod
    def give_consent(cls, parties, purpose_code, channel='paper', **values):
        "Record that the parties gave their consent to the purpose."
        return cls._record_consent(
            parties, purpose_code, 'given', channel=channel, **values)

    @classmethod
    def withdraw_consent(cls, parties, purpose_code, channel='paper',
            **values):
        "Record that the parties withdrew their consent (kept in history)."
        return cls._record_consent(
            parties, purpose_code, 'withdrawn', channel=channel, **values)
