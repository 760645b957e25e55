"""What an import run knows of one kind of record: its importer.

The engine (``run.py``) reads, cleans, keys and saves the rows of any file;
everything that depends on the kind of record imported (the profile's
entity) is a method or an attribute of an ``Importer``:

- ``targets``: the fields a profile may map, ``required``: the groups of
  targets of which one must be mapped, ``cleaners``: the cleaning function
  of each target;
- ``check_row``: the entity's rules on a cleaned row, ``match``: the links
  of the rows to the records already in the database (duplicates, donors,
  volunteers), found for the whole file;
- ``save``: the records of a batch with the ORM, ``save_bulk``: the same
  with SQL where the bulk path may (``bulk.py``), ``save_record``: the
  plain record-by-record path the bulk one is measured against;
- ``date_target``, ``quantity_target`` and ``indicators``: the figures of
  the report.

Importers are collected by ``connexion.import.run``'s ``_importers()``,
which the modules of each kind of record extend with ``super()``, as
Tryton's ``_get_origin``::

    class Run(metaclass=PoolMeta):
        __name__ = 'connexion.import.run'

        @classmethod
        def _importers(cls):
            return super()._importers() + [HoursImporter]
"""
from trytond.i18n import gettext
from trytond.pool import Pool

from . import cleaning
from .bulk import hooks as create_hooks


class Row:
    "One line of the file on its way to the database."
    __slots__ = ('line', 'cells', 'values', 'key', 'errors', 'status',
        'match', 'note', 'year', 'amount')

    def __init__(self, line, cells):
        self.line = line
        self.cells = cells
        self.values = {}
        self.key = None
        self.errors = []  # [(column, reason)]
        self.status = None  # create, match, skip, reject
        self.match = None  # id of an existing record
        self.note = None
        self.year = None
        self.amount = None

    def reject(self, column, reason):
        self.errors.append((column, reason))
        self.status = 'reject'


class Plan:
    "The checked rows of a file, ready to be saved batch by batch."

    def __init__(self, table, mapping):
        self.table = table
        self.mapping = mapping
        self.rows = []
        self.entity = None
        self.selections = {}

    def selection(self, model, name):
        "{value: label} of a selection field, read once per file."
        key = (model, name)
        if key not in self.selections:
            selection = dict(Pool().get(model).fields_get(
                    [name])[name]['selection'])
            selection.pop(None, None)
            self.selections[key] = selection
        return self.selections[key]

    def column_name(self, target):
        position = self.mapping.get(target)
        if position is None:
            return ''
        return self.table.header[position]

    def count(self, status):
        return sum(1 for r in self.rows if r.status == status)


class Importer:
    "The import of one kind of record (see the module docstring)."
    entity = None
    # [(target, required)]
    targets = []
    # Groups of targets of which one must be mapped.
    required = []
    # {target: cleaning function}
    cleaners = {
        'key': cleaning.clean_char,
        'email': cleaning.clean_email,
        }
    # Targets of the date and of the summed quantity of the report.
    date_target = 'date'
    quantity_target = 'amount'
    # (model, date field, summed field) of the migration indicators, or
    # None to count the source keys.
    indicators = None
    # {model: {'module.Class.method'}}: the create hooks of the models the
    # bulk path writes with SQL, each one reproduced by it or without
    # effect on the records it creates. A module that adds another hook
    # sends these models back to the ORM (sql_allowed) until the bulk path
    # learns it.
    sql_hooks = {}

    def __init__(self, run):
        self.run = run
        self.profile = run.profile

    def cleaner(self, target):
        return self.cleaners[target]

    def check_row(self, plan, row):
        "The entity's rules on a cleaned row; reject it with a reason."

    def match(self, plan):
        "Link the rows to the records already in the database."

    def save(self, rows):
        "The records of the rows created with one ORM call per model."
        raise NotImplementedError

    def save_bulk(self, rows):
        """Bulk path: the records of the rows written with SQL, one
        statement per model and batch, where sql_allowed."""
        self.save(rows)

    def save_record(self, rows):
        """The plain ORM path, one create per row: kept to measure the bulk
        path against."""
        self.save(rows)

    @classmethod
    def sql_allowed(cls, *models):
        "Whether the bulk path knows every create hook of the models."
        pool = Pool()
        return all(
            create_hooks(pool.get(m)) <= cls.sql_hooks.get(m, set())
            for m in models)

    @staticmethod
    def check_key_or_email(plan, row, key_target, person):
        """Reject a row that names its person (donor, volunteer) by neither
        their key nor their e-mail."""
        values = row.values
        if not values.get(key_target) and not values.get('email'):
            row.reject(plan.column_name(key_target)
                or plan.column_name('email'),
                gettext(f'connexion_import.msg_{person}_missing'))

    def rows_by_person(self, plan, key_target, by_key, load_by_email,
            person):
        """Yield (row, id) of the rows still in play with the id of their
        person: by their key in the same source (by_key, {key: id}), else
        by their e-mail (load_by_email(), {e-mail: id}, loaded once and
        only if a row needs it); a row whose person is not found is
        rejected."""
        by_email = None
        for row in plan.rows:
            if row.status is not None:
                continue
            values = row.values
            if values.get(key_target):
                found = by_key.get(values[key_target])
                if not found:
                    row.reject(plan.column_name(key_target), gettext(
                            f'connexion_import.msg_unknown_{person}_key',
                            value=values[key_target],
                            source=self.profile.source))
                    continue
            else:
                if by_email is None:
                    by_email = load_by_email()
                found = by_email.get(values['email'])
                if not found:
                    row.reject(plan.column_name('email'), gettext(
                            f'connexion_import.msg_unknown_{person}_email',
                            value=values['email']))
                    continue
            yield row, found

    @staticmethod
    def reject_unknown(plan, row, model, target):
        "Reject a row whose value of target is not in the model's selection."
        value = row.values.get(target)
        if value:
            codes = plan.selection(model, target)
            if value not in codes:
                row.reject(plan.column_name(target),
                    gettext('connexion_import.msg_unknown_code',
                        value=value, codes=', '.join(codes)))
