"""Log of reads of special-category data (GDPR art. 9): the children's
medical fields. The DPO must be able to tell who looked at which child's
health data and when (accountability, art. 5-2 and 32)."""
import datetime as dt

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access


class SensitiveAccess(ModelSQL, ModelView):
    "Sensitive Data Access"
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
    def log(cls, model_name, ids, field_names):
        """Record that the user of the transaction read field_names of ids.

        A client read runs in a read-only transaction: the log is then
        written (and committed) in a transaction of its own, so the read
        never goes unlogged."""
        transaction = Transaction()
        values = [{
                'user': transaction.user,
                'resource': f'{model_name},{id_}',
                'field_names': ','.join(sorted(field_names)),
                } for id_ in ids if id_ is not None and int(id_) >= 0]
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


class SensitiveMixin:
    """Logs every read of the fields in ``_sensitive_fields`` made through
    the client (RPC reads, exports, reports): server-side reads as root
    (tasks, erasure) are not a person looking at the data."""
    __slots__ = ()
    _sensitive_fields = ()

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        transaction = Transaction()
        if transaction.user and transaction.check_access and ids:
            read = {f.split('.', 1)[0] for f in fields_names}
            sensitive = read & set(cls._sensitive_fields)
            if sensitive:
                Pool().get('connexion.gdpr.sensitive_access').log(
                    cls.__name__, ids, sensitive)
        return result


class Child(SensitiveMixin, metaclass=PoolMeta):
    __name__ = 'connexion.child'
    _sensitive_fields = ('pathology', 'treating_doctor',
        'medical_constraints')
