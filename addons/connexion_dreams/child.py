"""Children (beneficiaries) followed by the association.

Identity lives on a party; the medical information is kept here in fields
that only the "Dreams Medical Access" group may read (field access).
"""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import ChildBirthDateError

STATUSES = [
    ('followed', "Followed"),
    ('ended', "Follow-up Ended"),
    ]

RELATIONSHIPS = [
    ('mother', "Mother"),
    ('father', "Father"),
    ('guardian', "Legal Guardian"),
    ('grandparent', "Grandparent"),
    ('other', "Other"),
    ]

# Fields that tell a diagnosis, a prognosis or a ward: readable by the
# "Dreams Medical Access" group only (ir.model.field.access in child.xml and dream.xml).
MEDICAL_FIELDS = {
    'connexion.child': ['pathology', 'treating_doctor',
        'medical_constraints', 'service'],
    'connexion.dream': ['urgent', 'medical_doctor'],
    'connexion.dream.activity': ['urgent'],
    }


def age_on(birth_date, date):
    "Age in full years on a date."
    if not birth_date:
        return None
    return date.year - birth_date.year - (
        (date.month, date.day) < (birth_date.month, birth_date.day))


class Child(ModelSQL, ModelView):
    __name__ = 'connexion.child'

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        help="The child's identity.")
    birth_date = fields.Date("Birth Date", required=True)
    age = fields.Function(fields.Integer("Age"), 'get_age')
    hospital = fields.Many2One(
        'connexion.hospital', "Hospital", ondelete='RESTRICT')
    service = fields.Many2One(
        'connexion.hospital.service', "Service", ondelete='RESTRICT',
        domain=[('hospital', '=', Eval('hospital', -1))])
    guardians = fields.One2Many(
        'connexion.child.guardian', 'child', "Parents and Guardians")
    consents = fields.Function(fields.Many2Many(
            'connexion.consent', None, None, "Consents",
            readonly=True,
            help="Consents of the child and of the parents, recorded on "
            "each person."),
        'get_consents')
    status = fields.Selection(STATUSES, "Status", required=True)
    dreams = fields.One2Many('connexion.dream', 'child', "Dreams")
    # Medical information: field access restricts these three.
    pathology = fields.Text("Pathology")
    treating_doctor = fields.Many2One(
        'connexion.hospital.contact', "Treating Doctor",
        ondelete='SET NULL',
        domain=[
            ('hospital', '=', Eval('hospital', -1)),
            ('role', '=', 'doctor'),
            ])
    medical_constraints = fields.Text(
        "Medical Constraints",
        help="What the dream must take into account: diet, transport, "
        "oxygen, infection risk…")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('party_unique', Unique(t, t.party),
                'connexion_dreams.msg_child_party_unique'),
            ]

    @staticmethod
    def default_status():
        return 'followed'

    def get_age(self, name):
        return age_on(self.birth_date, Pool().get('ir.date').today())

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    @fields.depends('hospital', 'service')
    def on_change_hospital(self):
        if self.service and self.service.hospital != self.hospital:
            self.service = None

    def consent_parties(self):
        "The child and the holders of parental authority."
        return [self.party] + [
            g.party for g in self.guardians if g.parental_authority]

    def get_consents(self, name):
        pool = Pool()
        Consent = pool.get('connexion.consent')
        return [c.id for c in Consent.search([
                    ('party', 'in', [p.id for p in self.consent_parties()]),
                    ])]

    def has_consent(self, purpose_code, date=None):
        """The consent is given for the child, or by a parent for a minor.

        The purposes are those of connexion_asso (image_rights,
        medical_data, data_processing).
        """
        return any(p.has_consent(purpose_code, date=date)
            for p in self.consent_parties())

    @classmethod
    def validate_fields(cls, children, field_names):
        super().validate_fields(children, field_names)
        if field_names & {'birth_date'}:
            today = Pool().get('ir.date').today()
            for child in children:
                if child.birth_date > today:
                    raise ChildBirthDateError(gettext(
                            'connexion_dreams.msg_child_birth_date_future',
                            child=child.rec_name))


class Guardian(ModelSQL, ModelView):
    __name__ = 'connexion.child.guardian'

    child = fields.Many2One(
        'connexion.child', "Child", required=True, ondelete='CASCADE')
    party = fields.Many2One(
        'party.party', "Person", required=True, ondelete='RESTRICT')
    relationship = fields.Selection(
        RELATIONSHIPS, "Relationship", required=True)
    parental_authority = fields.Boolean(
        "Parental Authority",
        help="Holds parental authority: may give consents for the child.")

    @staticmethod
    def default_parental_authority():
        return True

    def get_rec_name(self, name):
        return self.party.rec_name


def _domain_fields(Model, domain, to_check):
    """Add to to_check {model: field names} read by the domain, including
    the sub-domains of 'where' operators."""
    pool = Pool()
    if is_leaf(domain):
        Target = Model
        for name in domain[0].split('.'):
            field = Target._fields.get(name)
            if field is None:
                return
            to_check[Target.__name__].add(name)
            if field._type == 'reference':
                Target = pool.get(domain[3]) if len(domain) >= 4 else None
            elif hasattr(field, 'get_target'):
                Target = field.get_target()
            else:
                Target = None
            if Target is None:
                return
        if isinstance(domain[1], str) and domain[1].endswith('where'):
            _domain_fields(Target, domain[2], to_check)
    elif domain:
        for clause in domain:
            if clause not in ('AND', 'OR'):
                _domain_fields(Model, clause, to_check)


class WhereAccessMixin:
    """trytond checks the field access of a search's domain but not inside
    the sub-domain of a 'where' operator (converted without access checks):
    ('dreams', 'where', [('urgent', '=', True)]) would list the children in
    palliative care to anyone. Check those sub-domains too."""
    __slots__ = ()

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        FieldAccess = pool.get('ir.model.field.access')
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            to_check = defaultdict(set)
            _domain_fields(cls, domain, to_check)
            for name, field_names in to_check.items():
                ModelAccess.check(name, 'read')
                FieldAccess.check(name, field_names, 'read')
        return super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)


class ChildWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.child'


class GuardianWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.child.guardian'


class DreamWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream'


class DreamVolunteerWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream-connexion.volunteer'


class WishWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.wish'


class CostWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.cost'


class ContributionWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.contribution'


class PhotoWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.photo'


class ActivityWhereAccess(WhereAccessMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.activity'
