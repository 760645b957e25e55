"""Log of reads of special-category data (GDPR art. 9): the children's
medical fields. The DPO must be able to tell who looked at which child's
health data and when (accountability, art. 5-2 and 32): a read, but also a
search or a sort on a medical field (the list tells who has leukaemia), an
export and the subject-access export."""
import datetime as dt
from collections import defaultdict

from trytond.model import ModelSQL, ModelView, fields
from trytond.model.modelstorage import is_leaf
from trytond.pool import Pool, PoolMeta
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access


class SensitiveAccess(ModelSQL, ModelView):
    __name__ = 'connexion.gdpr.sensitive_access'

    date = fields.Timestamp("Date", readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    resource = fields.Reference(
        "Record", selection='get_resources', readonly=True)
    field_names = fields.Char(
        "Fields", readonly=True, help="The sensitive fields that were read.")
    field_names_string = fields.Function(
        fields.Char("Fields Read"), 'get_field_names_string')
    action = fields.Selection([
            ('read', "Read"),
            ('search', "Search"),
            ('order', "Sort"),
            ('export', "Export"),
            ('subject_access', "Subject Access Export"),
            ], "Action", readonly=True,
        help="How the fields were reached: a search or a sort on them "
        "tells their values as much as a read.")
    action_string = action.translated('action')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))

    @classmethod
    def get_resources(cls):
        pool = Pool()
        Model = pool.get('ir.model')
        names = [name for name, klass in pool.iterobject()
            if getattr(klass, '_sensitive_fields', None)]
        return [(None, '')] + [
            (m.name, m.string) for m in Model.search(
                [('name', 'in', names)])]

    def get_field_names_string(self, name):
        "The labels of the fields, in the user's language."
        if not self.resource or not self.field_names:
            return self.field_names
        definitions = self.resource.__class__.fields_get(
            self.field_names.split(','))
        return ', '.join(definitions.get(f, {}).get('string', f)
            for f in self.field_names.split(','))

    @classmethod
    def default_date(cls):
        return dt.datetime.now()

    @classmethod
    def log(cls, model_name, ids, field_names, action='read'):
        """Record that the user of the transaction read field_names of ids.

        A client read runs in a read-only transaction: the log is then
        written (and committed) in a transaction of its own, so the read
        never goes unlogged."""
        transaction = Transaction()
        values = [{
                'user': transaction.user,
                'resource': f'{model_name},{id_}',
                'field_names': ','.join(sorted(field_names)),
                'action': action,
                } for id_ in sorted({int(i) for i in ids if i is not None})
            if id_ >= 0]
        if not values:
            return
        if not transaction.readonly:
            with without_check_access():
                cls.create(values)
            return
        with transaction.new_transaction() as new:
            with without_check_access():
                Pool().get(cls.__name__).create(values)
            new.commit()


class SensitiveAccessReport(Report):
    "The log as a document for the DPO."
    __name__ = 'connexion.gdpr.sensitive_access'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['today'] = Pool().get('ir.date').today()
        return context




def _targets(Model, path):
    """(relations, Target, field) for each sensitive field on the dotted path
    from Model: the relations lead from a Model record to the Target
    records whose field is reached."""
    relations = []
    for name in path.split('.'):
        name = name.split(':', 1)[0]
        field = Model._fields.get(name)
        if field is None:
            return
        if name in getattr(Model, '_sensitive_fields', ()):
            yield tuple(relations), Model, name
        if field._type == 'reference' or not hasattr(field, 'get_target'):
            return
        Model = field.get_target()
        relations.append(name)


def _domain_targets(Model, domain, prefix=()):
    "The targets of the domain's leaves, 'where' sub-domains included."
    if is_leaf(domain):
        for relations, Target, name in _targets(Model, domain[0]):
            yield prefix + relations, Target, name
        if (isinstance(domain[1], str) and domain[1].endswith('where')
                and '.' not in domain[0]):
            field = Model._fields.get(domain[0])
            if field is not None and hasattr(field, 'get_target'):
                yield from _domain_targets(field.get_target(), domain[2],
                    prefix + (domain[0],))
    elif domain:
        for clause in domain:
            if clause not in ('AND', 'OR'):
                yield from _domain_targets(Model, clause, prefix)


def _follow(records, relations):
    "The records reached from records through the relation fields."
    for name in relations:
        reached = []
        for record in records:
            value = getattr(record, name)
            if isinstance(value, (list, tuple)):
                reached.extend(value)
            elif value is not None:
                reached.append(value)
        records = reached
    return records


def _watched():
    "A person's request through the client, not the server's own work."
    transaction = Transaction()
    return bool(transaction.user and transaction.check_access)


def log_targets(records, targets, action):
    """Log, per target model, the fields reached from records."""
    SensitiveAccess = Pool().get('connexion.gdpr.sensitive_access')
    reached = defaultdict(lambda: (set(), set()))
    with without_check_access():
        for relations, Target, name in targets:
            ids, names = reached[Target.__name__]
            ids.update(r.id for r in _follow(records, relations))
            names.add(name)
    for model_name, (ids, names) in reached.items():
        SensitiveAccess.log(model_name, ids, names, action)


class SensitiveMixin:
    """Logs every read of the fields in ``_sensitive_fields`` made through
    the client: reads, searches and sorts on them (also through a related
    path such as ``child.pathology``) and exports. Server-side work as root
    (tasks, erasure) is not a person looking at the data. Whoever may not
    read a field may not search, sort or export it either (field access,
    checked by trytond)."""
    __slots__ = ()
    _sensitive_fields = ()

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        if _watched() and ids:
            read = {f.split('.', 1)[0] for f in fields_names}
            sensitive = read & set(cls._sensitive_fields)
            if sensitive:
                Pool().get('connexion.gdpr.sensitive_access').log(
                    cls.__name__, ids, sensitive)
        return result

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            query=False):
        # The related models' searches run as sub-queries of this one,
        # without access checks: the paths are logged here, once, with the
        # records they lead to.
        result = super().search(domain, offset=offset, limit=limit,
            order=order, count=count, query=query)
        if _watched():
            searched = list(_domain_targets(cls, domain))
            ordered = [t for oexpr, _ in (order or [])
                for t in _targets(cls, oexpr)]
            if searched or (ordered and not query):
                if count or query:
                    records = super().search(domain, offset=offset,
                        limit=limit, order=[])
                else:
                    records = result
                if searched:
                    log_targets(records, searched, 'search')
                if ordered and not query:
                    log_targets(records, ordered, 'order')
        return result

    @classmethod
    def export_data(cls, records, fields_names, header=False):
        result = super().export_data(records, fields_names, header=header)
        if _watched():
            targets = [t for name in fields_names
                for t in _targets(cls, '.'.join(
                        p.split('.', 1)[0] for p in name.split('/')))]
            if targets:
                log_targets(records, targets, 'export')
        return result


class Child(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.child'
    _sensitive_fields = ('pathology', 'treating_doctor',
        'medical_constraints', 'service')


class Dream(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream'
    _sensitive_fields = ('urgent', 'medical_doctor')


class Activity(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.activity'
    _sensitive_fields = ('urgent',)


class Guardian(SensitiveMixin, metaclass=PoolMeta):
    "Searches through the child (child.pathology) are logged."
    __name__ = 'connexion.child.guardian'


class Wish(SensitiveMixin, metaclass=PoolMeta):
    "Searches through the dream (dream.child.pathology) are logged."
    __name__ = 'connexion.dream.wish'


class Cost(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.cost'


class Contribution(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.contribution'


class Photo(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.dream.photo'
