"""Set-based writing for the bulk import path.

``Model.create()`` costs a few hundred microseconds per record (defaults,
pre-processing, validation and computed fields record by record): too slow
to take over 500,000 historical gifts. ``create()`` below writes the rows of
one model with SQL in large batches (``COPY`` on PostgreSQL, ``executemany``
on SQLite) and keeps Tryton's rules explicitly:

- access: ``ir.model.access`` is checked for 'create' on the model and
  ``ir.model.field.access`` for 'write' on the fields written (the same
  calls as ``ModelStorage._before_create``), so a user who may not create
  gets Tryton's French access error and nothing is written;
- record rules: the 'create' rules of ``ir.rule`` are checked on the new
  ids by the ORM's own check (``ModelSQL.__check_domain_rule``, through
  ``internals.py`` as every private name of trytond used here), which
  raises the French error and makes the batch roll back;
- defaults: ``default_get`` of the model (with the overrides of every
  module) fills the fields not given, once per batch;
- ``create_uid``/``create_date`` are set (user, transaction timestamp);
- ids are drawn from the table's sequence (PostgreSQL) or after the last id
  of the table (SQLite, one writer at a time);
- required fields, selection values (static selections), the size of Char
  fields and the stripping of Char values are checked in Python, with
  Tryton's own messages, before anything is written;
- the database constraints of the schema (NOT NULL, foreign keys, UNIQUE
  and CHECK constraints of ``_sql_constraints``) apply to the inserted rows;
- the history table (``_history``), the 'create' triggers and the
  transaction's list of created records are kept up to date.

What ``create()`` does not run are the models' Python hooks on create
(``preprocess_values``, ``validate``/``validate_fields``,
``compute_fields``, ``on_modification``): the importers (``party.py``,
``donation.py``) apply the equivalent of each one that exists on the
models they write, in bulk, and say so. A batch refused by any of these checks is saved again row by
row through the ORM (``Run.execute``), which gives the exact reason.
"""
import datetime as dt
import re
from decimal import Decimal
from itertools import repeat

from trytond import backend
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.modelstorage import (
    RequiredValidationError, SelectionValidationError, SizeValidationError)
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from . import internals

# Field types whose values are written as the cleaning gives them; any
# other field type goes through the field's own sql_format.
PY_TYPES = {
    'char': str, 'text': str, 'selection': str, 'many2one': int,
    'integer': int, 'biginteger': int, 'boolean': bool, 'date': dt.date,
    'numeric': Decimal, 'timestamp': dt.datetime, 'datetime': dt.datetime,
    }


def check_create_access(Model, field_names):
    "Tryton's access checks of a create, done once for the whole batch."
    pool = Pool()
    ModelAccess = pool.get('ir.model.access')
    FieldAccess = pool.get('ir.model.field.access')
    ModelAccess.check(Model.__name__, 'create')
    FieldAccess.check(Model.__name__, list(field_names), 'write')


def _stored(field):
    "A field held in a column of the model's table."
    return (not isinstance(field, fields.Function)
        and not hasattr(field, 'set'))


def _defaults(Model, names):
    "{field: default} of the stored fields not given (the model's defaults)."
    missing = [n for n, f in Model._fields.items()
        if n not in names and _stored(f) and n not in {
            'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}]
    defaults = internals.clean_defaults(Model,
        Model.default_get(missing, with_rec_name=False))
    return {n: v for n, v in defaults.items()
        if n in missing and v is not None}


def _rules(Model, name):
    "(field, Python type, required, selection, size, strip) of a column."
    field = Model._fields[name]
    selection = None
    if field._type == 'selection' and isinstance(field.selection, list):
        selection = {k for k, _ in field.selection}
    size = getattr(field, 'size', None)
    size = size if isinstance(size, int) else None
    strip = getattr(field, 'strip', False) if field._type == 'char' else False
    return (field, PY_TYPES.get(field._type), field.required, selection,
        size, strip)


def _strip(value, strip):
    "The value as Char's strip option (True, 'leading', 'trailing') gives it."
    if strip == 'leading':
        return value.lstrip()
    if strip == 'trailing':
        return value.rstrip()
    return value.strip()


def _checker(Model, name, rules=None):
    "A function that returns the value to write, or raises Tryton's error."
    field, py_type, required, selection, size, strip = (
        rules or _rules(Model, name))

    def error(cls, message, **variables):
        return cls(gettext(message, **Model.__names__(name), **variables))

    def check(value):
        if value is None:
            if required:
                raise error(RequiredValidationError,
                    'ir.msg_required_validation')
            return None
        if py_type is None:
            return field.sql_format(value)
        if not isinstance(value, py_type) or (
                py_type is int and isinstance(value, bool)):
            value = field.sql_format(value)
        if strip:
            value = _strip(value, strip)
        if selection is not None and value not in selection:
            raise error(SelectionValidationError,
                'ir.msg_selection_validation_record', record='', value=value)
        if size is not None and len(value) > size:
            raise error(SizeValidationError, 'ir.msg_size_validation',
                value=value, size=len(value), max_size=size)
        return value
    return check


# A space at the start or the end of a value, in values joined with NUL
# (which PostgreSQL refuses in text, so never part of a value).
_UNSTRIPPED = re.compile(r'(?:^|\x00)\s|\s(?:\x00|$)')
_NONE = type(None)


def _column_checker(Model, name):
    """A function that returns the values of a column to write, or raises
    Tryton's error: a column whose values already have the field's type
    and pass its rules is checked with set operations, without a Python
    call per value; any other goes value by value through _checker."""
    rules = _rules(Model, name)
    _, py_type, required, selection, size, strip = rules
    check = _checker(Model, name, rules)

    def check_column(values):
        if py_type is not None:
            types = set(map(type, values))
            has_none = _NONE in types
            types.discard(_NONE)
            if types <= {py_type} and not (required and has_none):
                # Empty strings have no size nor spaces to strip.
                given = list(filter(None, values)) if (
                    size is not None or strip) else ()
                if ((selection is None
                            or selection.issuperset(set(values) - {None}))
                        and (size is None
                            or max(map(len, given), default=0) <= size)
                        and (not strip or not _UNSTRIPPED.search(
                                '\x00'.join(given)))):
                    return values
        return [check(v) for v in values]
    return check_column


def _next_ids(Model, count):
    "Ids for count new records, from the table's sequence."
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    if backend.name == 'postgresql':
        # database.nextid, in one array rather than count rows, and with
        # the sequence named once: pg_get_serial_sequence evaluated on
        # every row costs ten times the nextval.
        cursor.execute("SELECT pg_get_serial_sequence(format(%s, %s::text), "
            "'id')", ('%I', Model._table))
        sequence, = cursor.fetchone()
        cursor.execute("SELECT array_agg(nextval(%s::regclass)) "
            "FROM generate_series(1, %s)", (sequence, count))
        return cursor.fetchone()[0]
    # SQLite: no sequence; the transaction holds the only write lock.
    table = Model.__table__()
    cursor.execute(*table.select(table.id, order_by=[table.id.desc],
            limit=1))
    row = cursor.fetchone()
    last = row[0] if row else 0
    cursor.execute('SELECT seq FROM sqlite_sequence WHERE name = ?',
        (Model._table,))
    row = cursor.fetchone()
    last = max(last, row[0] if row else 0)
    return list(range(last + 1, last + 1 + count))


def _write(Model, columns, rows):
    """Insert the rows (an iterable of tuples in the order of columns) with
    the fastest way."""
    transaction = Transaction()
    cursor = transaction.connection.cursor()
    quoted = ', '.join('"%s"' % c for c in columns)
    if backend.name == 'postgresql':
        # psycopg 3 (PostgreSQL): COPY streams the rows in one command.
        with cursor.copy(
                f'COPY "{Model._table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ', '.join(['?'] * len(columns))
        cursor.executemany(
            f'INSERT INTO "{Model._table}" ({quoted}) VALUES ({marks})',
            rows)


def create(Model, vlist):
    """Insert vlist (dicts of stored fields) into Model's table in one go,
    keeping the rules listed in the module docstring; returns the ids in
    the order of vlist."""
    if not vlist:
        return []
    pool = Pool()
    transaction = Transaction()
    names = sorted(set().union(*vlist))
    for name in names:
        if name not in Model._fields or not _stored(Model._fields[name]):
            raise ValueError(f"{Model.__name__}.{name} is not a column")
    check_create_access(Model, names)
    internals.before_create(Model)
    defaults = _defaults(Model, names)
    for name, field in Model._fields.items():
        # A required field without a value nor a default fails every row.
        if (field.required and _stored(field) and name not in names
                and name not in defaults and name not in {
                    'id', 'create_uid', 'create_date'}):
            raise RequiredValidationError(gettext(
                    'ir.msg_required_validation',
                    **Model.__names__(name)))
    columns = names + sorted(defaults)
    checks = [_checker(Model, n) for n in sorted(defaults)]
    constants = [check(defaults[n])
        for check, n in zip(checks, sorted(defaults))]
    # Column by column: checked with set operations when they can be.
    given = [_column_checker(Model, name)([v.get(name) for v in vlist])
        for name in names]
    ids = _next_ids(Model, len(vlist))
    rows = zip(ids, repeat(transaction.user), repeat(_now()), *given,
        *map(repeat, constants))
    _write(Model, ['id', 'create_uid', 'create_date'] + columns, rows)
    if Model._history:
        internals.insert_history(Model, ids)
    internals.check_create_rules(Model, ids)
    Trigger = pool.get('ir.trigger')
    with without_check_access():
        triggers = Trigger.get_triggers(Model.__name__, 'create')
        if triggers:
            records = Model.browse(ids)
            for trigger in triggers:
                trigger.queue_trigger_action(records)
    internals.created(Model, ids)
    return ids


def _now():
    "The timestamp CURRENT_TIMESTAMP gives the ORM's creates (UTC)."
    if backend.name != 'postgresql':
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    cursor = Transaction().connection.cursor()
    cursor.execute("SELECT CURRENT_TIMESTAMP AT TIME ZONE 'UTC'")
    return cursor.fetchone()[0]


# Methods through which a module adds behaviour to the creation of records.
HOOKS = ['create', '_before_create', '_after_create', 'preprocess_values',
    'validate', 'validate_fields', 'compute_fields', 'check_modification',
    'on_modification']


def hooks(Model):
    """{'module.Class.method'} of the create hooks that the modules define
    on Model (Tryton's base classes left out)."""
    found = set()
    for klass in Model.__mro__:
        module = klass.__module__ or ''
        if module.startswith('trytond.model') or klass is object:
            continue
        for name in HOOKS:
            if name in vars(klass):
                found.add(f'{module}.{klass.__qualname__}.{name}')
    return found
