"""The private parts of trytond that the bulk import path uses, in one place.

The bulk path (``bulk.py``, the party codes of ``party.py``) writes records
with SQL and keeps Tryton's rules by calling what the ORM calls on create.
Some of it is not public API: every such name goes through a function of
this module, and ``PRIVATE`` lists them with the signature trytond 8.0
gives them. ``check()`` compares them with the running trytond
(``tests.test_module`` calls it): another series, a name gone or a changed
signature fails the tests loudly instead of the import quietly.
"""
import importlib
import inspect

from trytond.transaction import Transaction, without_check_access

TRYTOND_SERIES = '8.0'
# (module, dotted name, parameters or None for an attribute).
PRIVATE = [
    ('trytond.model.modelsql', 'ModelSQL._ModelSQL__check_domain_rule',
        ['ids', 'mode']),
    ('trytond.model.modelsql', 'ModelSQL._insert_history',
        ['ids', 'deleted']),
    ('trytond.model.modelstorage', 'ModelStorage._clean_defaults',
        ['defaults']),
    ('trytond.model.modelstorage', 'ModelStorage._count_cache', None),
    ('trytond.ir.sequence', 'Sequence._process', ['string', 'date']),
    ('trytond.ir.sequence', 'Sequence._get_many', ['self', 'n']),
    ('trytond.ir.sequence', 'Sequence._strict', None),
    ('trytond.ir.sequence', 'SequenceStrict._strict', None),
    ]
# Attributes of a started transaction.
TRANSACTION = ['counter', 'create_records']


def check(private=None, version=None):
    """What differs from trytond 8.0 in the private names used (a list of
    sentences, empty when all is as expected); private and version replace
    PRIVATE and the running trytond's version (to test the check)."""
    import trytond
    problems = []
    version = version or trytond.__version__
    if not version.startswith(TRYTOND_SERIES + '.'):
        problems.append(f"trytond {version}, not {TRYTOND_SERIES}.x")
    for module_name, dotted, parameters in (
            PRIVATE if private is None else private):
        target = importlib.import_module(module_name)
        for part in dotted.split('.'):
            target = getattr(target, part, None)
            if target is None:
                break
        if target is None:
            problems.append(f"{module_name}.{dotted} is gone")
            continue
        if parameters is None:
            continue
        signature = [p.name
            for p in inspect.signature(target).parameters.values()]
        if signature != parameters:
            problems.append(f"{module_name}.{dotted}{tuple(signature)} "
                f"instead of {tuple(parameters)}")
    transaction = Transaction()
    for name in TRANSACTION:
        if transaction.connection is not None and not hasattr(
                transaction, name):
            problems.append(f"Transaction.{name} is gone")
    return problems


def before_create(Model):
    "As ModelStorage._before_create: records cached before are out of date."
    Transaction().counter += 1
    Model._count_cache.set(Model.__name__, None)


def clean_defaults(Model, defaults):
    "The defaults of default_get as create() takes them."
    return Model._clean_defaults(defaults)


def insert_history(Model, ids):
    "The history rows of records created with SQL."
    Model._insert_history(ids)


def check_create_rules(Model, ids):
    "The ORM's check of the 'create' record rules (French AccessError)."
    Model._ModelSQL__check_domain_rule(ids, 'create')


def created(Model, ids):
    "The transaction's list of the records it created."
    transaction = Transaction()
    if transaction.create_records is not None:
        transaction.create_records[Model.__name__].extend(ids)


def draw_codes(sequence, count):
    """count codes of the sequence, as get_many gives them, but with the
    prefix and suffix (which depend only on the date) formatted once."""
    if not sequence:
        return [None] * count
    if sequence._strict:
        return list(sequence.get_many(count))
    with without_check_access():
        prefix = sequence._process(sequence.prefix)
        suffix = sequence._process(sequence.suffix)
        return [f'{prefix}{value}{suffix}'
            for value in sequence._get_many(count)]
