"""Import runs: the engine shared by the back-office wizard and scripts/import.

A run reads a file, maps and cleans every row, finds the duplicates, then
saves the valid rows batch by batch. Each saved row leaves a source key
(``connexion.import.key``) so that importing the same file again, after an
interruption or by mistake, imports nothing twice.

Two ways to save: 'record' is the plain ORM, one create per row (the
reference); 'bulk' writes contacts, gifts and keys with SQL in large
batches (``bulk.py``: which of Tryton's rules it keeps and how), and
falls back to the ORM row by row for a batch it cannot save whole.
"""
import datetime as dt
import hashlib
import re
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Count, Sum
from sql.functions import Extract

from connexion_asso.spreadsheet import csv_file
from connexion_asso.workflow import workflow_values_allowed
from trytond import backend
from trytond.backend import DatabaseDataError, DatabaseIntegrityError
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from connexion_asso.duplicate import PartyIndex

from . import cleaning
from .bulk import create as bulk_create
from .bulk import hooks as create_hooks
from .cleaning import CleanError, name_key, text
from .donation import (
    DONATION_CLEANERS, DONATION_TARGETS, MEMBERSHIP_TARGETS, DonationImport)
from .hours import HOURS_CLEANERS, HOURS_TARGETS, HoursImport

STATES = [
    ('running', "Running"),
    ('done', "Done"),
    ]
METHODS = [
    ('bulk', "Bulk"),
    ('record', "Record by Record"),
    ]

CLEANERS = {
    'key': cleaning.clean_char,
    'name': cleaning.clean_name,
    'first_name': cleaning.clean_name,
    'last_name': cleaning.clean_name,
    'email': cleaning.clean_email,
    'phone': cleaning.clean_phone,
    'mobile': cleaning.clean_phone,
    'street': cleaning.clean_char,
    'postal_code': cleaning.clean_postal_code,
    'city': cleaning.clean_char,
    'country': cleaning.clean_country,
    'iban': cleaning.clean_iban,
    'bic': cleaning.clean_bic,
    'status': cleaning.clean_char,
    'criminal_record_date': cleaning.clean_date,
    }
# A phone number as clean_phone gives it.
E164 = re.compile(r'^\+[1-9]\d{6,14}$')
PARTY_TARGETS = ['key', 'name', 'first_name', 'last_name', 'email', 'phone',
    'mobile', 'street', 'postal_code', 'city', 'country', 'iban', 'bic']


# entity: (model, date field, summed field) of the migration indicators.
INDICATORS = {
    'donation': ('connexion.donation', 'date', 'amount'),
    'membership': ('connexion.membership', 'start_date', 'amount'),
    'hours': ('connexion.volunteer.hours', 'date', 'hours'),
    }


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


class Key(ModelSQL):
    __name__ = 'connexion.import.key'

    source = fields.Char("Source", required=True)
    entity = fields.Char("Entity", required=True)
    key = fields.Char("Key", required=True)
    record = fields.Integer("Record", required=True)
    run = fields.Many2One('connexion.import.run', "Run", ondelete='SET NULL')
    line = fields.Integer("Line")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('key_unique', Unique(t, t.source, t.entity, t.key),
                'connexion_import.msg_key_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.entity, Index.Equality()), (t.record, Index.Range())))

    @classmethod
    def existing(cls, source, entity):
        "{key: record id} of the rows already imported from this source."
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.key, table.record,
                where=(table.source == source) & (table.entity == entity)))
        return dict(cursor)


class Run(DonationImport, HoursImport, ModelSQL, ModelView):
    __name__ = 'connexion.import.run'

    profile = fields.Many2One('connexion.import.profile', "Profile",
        required=True, ondelete='RESTRICT', readonly=True)
    filename = fields.Char("File", readonly=True)
    method = fields.Selection(METHODS, "Method", required=True, readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True)
    lines = fields.Integer("Lines", readonly=True)
    created = fields.Integer("Created", readonly=True)
    matched = fields.Integer("Matched to Existing", readonly=True,
        help="Rows recognised as records already in Connexion (same e-mail "
        "or same name and postal code): linked, not created again.")
    skipped = fields.Integer("Already Imported", readonly=True)
    rejected = fields.Integer("Rejected", readonly=True)
    report = fields.Text("Report", readonly=True)
    errors = fields.Binary("Error File", filename='errors_filename',
        readonly=True)
    errors_filename = fields.Char("Error File Name", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('create_date', 'DESC'))

    @staticmethod
    def default_state():
        return 'running'

    @staticmethod
    def default_method():
        return 'bulk'

    def get_rec_name(self, name):
        return f'{self.profile.rec_name} — {self.filename or ""}'

    # Targets of each entity; modules importing other records extend these.
    @classmethod
    def targets(cls, entity):
        "[(target, required)] of an entity."
        if entity == 'party':
            return [(t, False) for t in PARTY_TARGETS]
        if entity == 'volunteer':
            return [(t, False) for t in PARTY_TARGETS] + [
                ('status', False), ('criminal_record_date', False)]
        if entity == 'donation' and cls.donation_model():
            return DONATION_TARGETS
        if entity == 'membership' and cls.donation_model():
            return MEMBERSHIP_TARGETS
        if entity == 'hours':
            return HOURS_TARGETS
        return []

    @classmethod
    def required_targets(cls, entity):
        "Groups of targets of which one must be mapped."
        if entity in {'party', 'volunteer'}:
            return [('name', 'last_name')]
        if entity == 'donation':
            return [('donor_key', 'email'), ('date',), ('amount',)]
        if entity == 'hours':
            return [('volunteer_key', 'email'), ('mission',), ('date',),
                ('hours',)]
        if entity == 'membership':
            return [('donor_key', 'email'), ('membership_type',),
                ('start_date',)]
        return []

    @classmethod
    def cleaner(cls, target):
        return (CLEANERS.get(target) or HOURS_CLEANERS.get(target)
            or DONATION_CLEANERS[target])

    def message(self, error):
        return gettext(error.message, **error.variables)

    # Reading and checking ----------------------------------------------
    def plan(self, table):
        """Map, transcode and clean every row, then find duplicates.

        Nothing is written: this is the dry run, and the first step of the
        real one."""
        profile = self.profile
        entity = profile.entity
        mapping = profile.header_positions(table.header)
        missing = [group for group in self.required_targets(entity)
            if not any(t in mapping for t in group)]
        if missing:
            labels = dict(Pool().get(
                    'connexion.import.profile.column').fields_get(
                    ['target'])['target']['selection'])
            raise CleanError('connexion_import.msg_missing_columns',
                columns=', '.join(' / '.join(labels.get(t, t) for t in g)
                    for g in missing),
                separator=table.separator or '')
        plan = Plan(table, mapping)
        plan.entity = entity
        transcodes = profile.transcodings()
        width = len(table.header)
        columns = [(t, p, self.cleaner(t), transcodes.get(t))
            for t, p in mapping.items()]
        code_key = cleaning.code_key
        for line, cells in table.rows:
            row = Row(line, cells)
            plan.rows.append(row)
            if len(cells) != width and table.separator:
                row.reject('', gettext('connexion_import.msg_row_width',
                        count=len(cells), expected=width))
                continue
            values = row.values
            for target, position, clean, transcode in columns:
                value = cells[position]
                if transcode is not None:
                    value = transcode.get(code_key(value) or None, value)
                try:
                    values[target] = clean(value)
                except CleanError as error:
                    row.reject(table.header[position], self.message(error))
            if row.status != 'reject':
                self.check_row(plan, row)
        self.set_keys(plan)
        if profile.entity in {'donation', 'membership'}:
            self.find_donors(plan)
        if profile.entity == 'hours':
            self.find_volunteers(plan)
        self.find_duplicates(plan)
        for row in plan.rows:
            if row.status is None:
                row.status = 'create'
        return plan

    def check_row(self, plan, row):
        "Entity rules on a cleaned row; reject it with a French reason."
        values = row.values
        entity = plan.entity
        if plan.table and entity in {'party', 'volunteer'}:
            if not values.get('name'):
                name = ' '.join(filter(None, [
                            values.get('first_name'),
                            values.get('last_name')]))
                values['name'] = name or None
            if not values.get('name'):
                row.reject(plan.column_name('name')
                    or plan.column_name('last_name'),
                    gettext('connexion_import.msg_required_name'))
        if entity == 'volunteer' and values.get('status'):
            statuses = plan.selection('connexion.volunteer', 'status')
            if values['status'] not in statuses:
                row.reject(plan.column_name('status'),
                    gettext('connexion_import.msg_unknown_code',
                        value=values['status'],
                        codes=', '.join(statuses)))
        if entity == 'donation':
            self.check_donation(plan, row)
        if entity == 'hours':
            self.check_hours(plan, row)
        if entity == 'membership':
            self.check_membership(plan, row)

    def set_keys(self, plan):
        """Source key of each row: the key column, else a digest of the row.

        A second row with the same key in the file is rejected; a row whose
        key was imported before is skipped."""
        profile = self.profile
        Key = Pool().get('connexion.import.key')
        existing = Key.existing(profile.source, profile.entity)
        seen = {}
        for row in plan.rows:
            key = row.values.get('key')
            if not key:
                digest = hashlib.sha1('\x1f'.join(
                        text(c) for c in row.cells).encode('utf-8'))
                key = 'sha1:' + digest.hexdigest()
            row.key = key
            if row.status == 'reject':
                continue
            if key in seen:
                row.reject(plan.column_name('key'), gettext(
                        'connexion_import.msg_duplicate_row', line=seen[key]))
            else:
                seen[key] = row.line
                if key in existing:
                    row.status = 'skip'
                    row.match = existing[key]

    def find_duplicates(self, plan):
        "Rows of parties already in the database or twice in the file."
        if self.profile.entity not in {'party', 'volunteer'}:
            return
        index = PartyIndex.load()
        in_file = {}
        for row in plan.rows:
            if row.status is not None:
                continue
            values = row.values
            email = values.get('email')
            by_name = (name_key(values['name']), values.get('postal_code'))
            party = index.by_email.get(email) if email else None
            reason = 'msg_match_email'
            if not party and by_name[1]:
                party = index.by_name.get(by_name)
                reason = 'msg_match_name'
            if party:
                row.status = 'match'
                row.match = party
                row.note = gettext('connexion_import.' + reason,
                    party=index.names.get(party, party))
                continue
            for file_key in filter(None, [
                        ('email', email) if email else None,
                        ('name', by_name) if by_name[1] else None]):
                if file_key in in_file:
                    row.reject(plan.column_name(
                            'email' if file_key[0] == 'email' else 'name'),
                        gettext('connexion_import.msg_duplicate_in_file',
                            line=in_file[file_key]))
                    break
            else:
                similar = index.similar(*by_name)
                if similar:
                    row.reject(plan.column_name('name')
                        or plan.column_name('last_name'),
                        gettext('connexion_import.msg_probable_duplicate',
                            party=index.names.get(similar, similar)))
                    continue
                if email:
                    in_file[('email', email)] = row.line
                if by_name[1]:
                    in_file[('name', by_name)] = row.line

    # Saving ------------------------------------------------------------
    def execute(self, plan, commit=None, progress=None):
        """Save the rows to create, batch by batch.

        A batch is saved whole or not at all. When the database or a rule
        of a model refuses it, it is saved again row by row: the bad rows
        are rejected with the reason (in the error file) and the good ones
        saved. ``commit`` is called after each batch (scripts/import
        commits the transaction there, so that a killed import resumes
        after the last saved batch); ``progress(done, total)`` follows the
        rows."""
        todo = [r for r in plan.rows if r.status in {'create', 'match'}]
        size = self.profile.batch_size
        done = 0
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            if commit:
                self.commit_without_waiting()
            if self.method == 'bulk':
                if not self.try_save(plan, batch, self.save_rows, bulk=True):
                    # The ORM tells which row is wrong, and why.
                    for row in batch:
                        self.try_save(plan, [row], self.save_rows_orm)
            else:
                for row in batch:
                    self.try_save(plan, [row], self.save_rows_one_by_one)
            done += len(batch)
            if commit:
                commit()
            if progress:
                progress(done, len(todo))

    @staticmethod
    def commit_without_waiting():
        """The commit of the batch does not wait for the disk (PostgreSQL's
        synchronous_commit, for this transaction only): a crash of the
        database server may lose the last batches saved, whole and with
        their source keys, so that the next run imports them again;
        nothing is ever half-saved."""
        if backend.name == 'postgresql':
            Transaction().connection.cursor().execute(
                'SET LOCAL synchronous_commit TO OFF')

    def try_save(self, plan, rows, save, bulk=False):
        """Save rows and their source keys inside a savepoint.

        Returns False, with the rows and the database as before, when the
        rows are refused; a single refused row is rejected with the
        reason. An access error stops the import, with nothing of the
        rows left written."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        states = [(r.status, r.match) for r in rows]
        cursor.execute('SAVEPOINT connexion_import')
        try:
            save(rows)
            self.save_keys(rows, bulk=bulk)
        except (UserError, DatabaseIntegrityError, DatabaseDataError) as error:
            cursor.execute('ROLLBACK TO SAVEPOINT connexion_import')
            if isinstance(error, AccessError):
                raise
            cursor.execute('RELEASE SAVEPOINT connexion_import')
            # The records read or created since the savepoint are gone.
            for cache in transaction.cache.values():
                cache.clear()
            for row, (status, match) in zip(rows, states):
                row.status, row.match = status, match
            if len(rows) == 1:
                row, = rows
                column, reason = self.refusal(plan, error)
                row.match = None
                row.reject(column, reason)
            return False
        cursor.execute('RELEASE SAVEPOINT connexion_import')
        return True

    def save_keys(self, rows, bulk=False):
        Key = Pool().get('connexion.import.key')
        source, entity, run = (
            self.profile.source, self.profile.entity, self.id)
        vlist = [{
                'source': source, 'entity': entity,
                'key': r.key, 'record': r.match,
                'run': run, 'line': r.line,
                } for r in rows]
        if bulk:
            bulk_create(Key, vlist)
        else:
            Key.create(vlist)

    # Model fields that hold the value of each target.
    FIELD_TARGETS = {
        'party': ['donor_key', 'email', 'name', 'last_name'],
        'volunteer': ['volunteer_key', 'email', 'name', 'last_name'],
        'value': ['email', 'phone', 'mobile'],
        'hours': ['hours'],
        'description': ['description', 'notes'],
        'status': ['status'],
        }

    def refusal(self, plan, error):
        "(column, French reason) of an error raised by a model or the database."
        if isinstance(error, UserError):
            reason = error.message
            fields_ = []
            if isinstance(error.domain, tuple) and len(error.domain) == 2 \
                    and isinstance(error.domain[1], dict):
                fields_ = list(error.domain[1])
        else:
            reason = gettext('connexion_import.msg_database_refused',
                error=str(error).strip().splitlines()[0])
            fields_ = []
        for field in fields_:
            for target in self.FIELD_TARGETS.get(field, [field]):
                column = plan.column_name(target)
                if column:
                    return column, reason
        return '', reason

    def save_rows(self, rows):
        """Bulk path: the records of the rows written with SQL, one
        statement per model and batch (see save_parties_sql)."""
        entity = self.profile.entity
        if entity in {'party', 'volunteer'}:
            if self.sql_allowed('party.party', 'party.contact_mechanism',
                    'party.address'):
                self.save_parties_sql(rows)
            else:
                self.save_parties(rows)
        if entity == 'volunteer':
            self.save_volunteers(rows)
        if entity == 'donation':
            if self.sql_allowed('connexion.donation'):
                self.save_donations_sql(rows)
            else:
                self.save_donations(rows)
        if entity == 'hours':
            self.save_hours(rows)
        if entity == 'membership':
            self.save_memberships(rows)

    def save_rows_orm(self, rows):
        "The records of the rows created with one ORM call per model."
        entity = self.profile.entity
        if entity in {'party', 'volunteer'}:
            self.save_parties(rows)
        if entity == 'volunteer':
            self.save_volunteers(rows)
        if entity == 'donation':
            self.save_donations(rows)
        if entity == 'hours':
            self.save_hours(rows)
        if entity == 'membership':
            self.save_memberships(rows)

    # The create hooks of the models the bulk path writes with SQL, each
    # one reproduced by it or without effect on the records it creates.
    # A module that adds another hook sends these models back to the ORM
    # (sql_allowed) until the bulk path learns it.
    SQL_HOOKS = {
        'party.party': {
            # code from the sequence (drawn for the batch), no default
            # address: save_parties_sql does both.
            'trytond.modules.party.party.Party.preprocess_values',
            # code_alnum, code_digit: the model's method is called.
            'trytond.modules.party.party.Party.compute_fields',
            },
        'party.contact_mechanism': {
            # value and value_compact as format_value(_compact) give them.
            ('trytond.modules.party.contact_mechanism.ContactMechanism'
                '.compute_fields'),
            # phone numbers and e-mails re-checked in save_parties_sql.
            ('trytond.modules.party.contact_mechanism.ContactMechanism'
                '.validate_fields'),
            # only about writes (moving a mechanism to another party).
            ('trytond.modules.party.contact_mechanism.ContactMechanism'
                '.check_modification'),
            },
        'party.address': {
            # only about writes (moving an address to another party).
            'trytond.modules.party.address.Address.check_modification',
            },
        'connexion.donation': {
            # positive amount: re-checked in save_donations_sql.
            'connexion_donation.donation.Donation.validate_fields',
            # only about writes and deletes of validated gifts, and
            # deletes of expense waivers.
            'connexion_donation.donation.Donation.check_modification',
            'connexion_donation.expense.Donation.check_modification',
            # only about the workflow fields of a client's values: the
            # bulk path writes drafts without them.
            'connexion_asso.workflow.TransitionOnlyMixin.create',
            'connexion_asso.workflow.TransitionOnlyMixin.check_modification',
            },
        }

    @classmethod
    def sql_allowed(cls, *models):
        "Whether the bulk path knows every create hook of the models."
        pool = Pool()
        return all(
            create_hooks(pool.get(m)) <= cls.SQL_HOOKS.get(m, set())
            for m in models)

    def save_rows_one_by_one(self, rows):
        """The plain ORM path, one create per row and a search for the
        duplicates of each row: kept to measure the bulk path against."""
        ContactMechanism = Pool().get('party.contact_mechanism')
        for row in rows:
            email = row.values.get('email')
            if (row.status == 'create' and email
                    and self.profile.entity in {'party', 'volunteer'}):
                found = ContactMechanism.search([
                        ('type', '=', 'email'), ('value', '=', email)],
                    limit=1)
                if found:
                    row.status = 'match'
                    row.match = found[0].party.id
            if self.profile.entity in {'party', 'volunteer'}:
                self.save_parties_nested([row])
            if self.profile.entity == 'volunteer':
                self.save_volunteers([row])
            if self.profile.entity == 'donation':
                self.save_donations([row])
            if self.profile.entity == 'hours':
                self.save_hours([row])
            if self.profile.entity == 'membership':
                self.save_memberships([row])

    @staticmethod
    def countries():
        "{ISO code: id}, read once per batch."
        Country = Pool().get('country.country')
        return {c.code: c.id for c in Country.search([])}

    def party_children(self, row, countries):
        "Contact mechanisms and address values of a row."
        values = row.values
        mechanisms = [{'type': t, 'value': values[t]}
            for t in ['email', 'phone', 'mobile'] if values.get(t)]
        address = {k: values[k] for k in ['street', 'postal_code', 'city']
            if values.get(k)}
        country = countries.get(values.get('country') or 'FR')
        if country:
            address['country'] = country
        return mechanisms, address

    def save_parties(self, rows):
        """Bulk path: the whole batch in one create per model.

        Still the ORM (access rights, record rules, defaults, constraints
        and validation apply), but the party codes are drawn from the
        sequence in one query and the contact mechanisms and addresses of
        all the parties are created together instead of party by party
        through the One2Many fields."""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        sequence = Party._code_sequence()
        codes = (list(sequence.get_many(len(rows))) if sequence
            else [None] * len(rows))
        parties = Party.create([{'name': r.values['name'], 'code': code}
                for r, code in zip(rows, codes)])
        mechanisms, addresses = [], []
        countries = self.countries()
        for row, party in zip(rows, parties):
            row.match = party.id
            row_mechanisms, address = self.party_children(row, countries)
            mechanisms.extend(
                dict(m, party=party.id) for m in row_mechanisms)
            addresses.append(dict(address, party=party.id))
        if mechanisms:
            Mechanism.create(mechanisms)
        Address.create(addresses)
        self.save_bank_accounts(rows)

    def save_parties_sql(self, rows):
        """Bulk path: parties, contact mechanisms and addresses written with
        SQL by bulk.create (access, record rules, defaults, required and
        selection values, schema constraints: see bulk.py), with the
        models' own create hooks done for the whole batch:

        - party.party: codes drawn from the party sequence in one call
          (``get_many``), as ``preprocess_values`` draws one per party, and
          no default empty address; ``code_alnum``/``code_digit`` from the
          model's ``compute_fields``; the uniqueness of codes is the
          table's UNIQUE constraint;
        - party.contact_mechanism: ``value`` and ``value_compact`` as
          ``format_value``/``format_value_compact`` store them (phones in
          international and E.164 forms, e-mails normalised); the rules of
          ``validate_fields`` checked again: phones are valid numbers
          (``clean_phone`` runs the same phonenumbers test as
          ``check_valid_phonenumber``, and the E.164 form is checked
          here), e-mails pass ``validate_email``;
        - party.address: the street goes to ``street_unstructured``, as
          the ``street`` setter does."""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        codes = draw_codes(Party._code_sequence(), len(rows))
        parties = []
        party = Party()  # one record to run the model's compute_fields
        for row, code in zip(rows, codes):
            values = {'name': row.values['name'], 'code': code}
            party.code = code
            values.update(party.compute_fields({'code'}))
            parties.append(values)
        party_ids = bulk_create(Party, parties)
        mechanisms, addresses = [], []
        countries = self.countries()
        for row, party in zip(rows, party_ids):
            row.match = party
            row_mechanisms, address = self.party_children(row, countries)
            for mechanism in row_mechanisms:
                mechanisms.append(dict(party=party,
                        **self.mechanism_values(mechanism)))
            if 'street' in address:
                address['street_unstructured'] = address.pop('street')
            addresses.append(dict(address, party=party))
        bulk_create(Mechanism, mechanisms)
        bulk_create(Address, addresses)
        self.save_bank_accounts(rows)

    @staticmethod
    def mechanism_values(mechanism):
        """Stored values of a cleaned e-mail or phone, as the contact
        mechanism's formatting and validation rules make them."""
        from trytond.tools.email_ import (
            EmailNotValidError, normalize_email, validate_email)
        type_, value = mechanism['type'], mechanism['value']
        if type_ == 'email':
            try:
                validate_email(value)
            except EmailNotValidError as error:
                raise UserError(gettext('party.msg_email_invalid',
                        email=value, party=''), str(error)) from error
            value = normalize_email(value)
            return {'type': type_, 'value': value, 'value_compact': value}
        if not E164.match(value):
            raise UserError(gettext('party.msg_invalid_phone_number',
                    phone=value, party=''))
        return {'type': type_, 'value': cleaning.phone_international(value),
            'value_compact': value}

    def save_parties_nested(self, rows):
        "Plain ORM path: each party created with its One2Many values."
        Party = Pool().get('party.party')
        rows = [r for r in rows if r.status == 'create']
        countries = self.countries()
        vlist = []
        for row in rows:
            mechanisms, address = self.party_children(row, countries)
            vlist.append({
                    'name': row.values['name'],
                    'contact_mechanisms': [('create', mechanisms)],
                    'addresses': [('create', [address])],
                    })
        parties = Party.create(vlist)
        for row, party in zip(rows, parties):
            row.match = party.id
        self.save_bank_accounts(rows)

    def save_bank_accounts(self, rows):
        "IBAN of donors (SEPA direct debit), when banks are managed."
        pool = Pool()
        try:
            Account = pool.get('bank.account')
            Bank = pool.get('bank')
        except KeyError:
            return
        vlist = []
        banks = {}
        for row in rows:
            iban = row.values.get('iban')
            if not iban:
                continue
            bic = row.values.get('bic')
            if bic and bic not in banks:
                banks[bic] = Bank.from_bic(bic)
            vlist.append({
                    'bank': banks[bic].id if bic and banks[bic] else None,
                    'numbers': [('create', [
                                {'type': 'iban', 'number': iban}])],
                    'owners': [('add', [row.match])],
                    })
        if vlist:
            Account.create(vlist)

    def save_volunteers(self, rows):
        Volunteer = Pool().get('connexion.volunteer')
        parties = [r.match for r in rows]
        existing = {v.party.id: v.id for v in Volunteer.search(
                [('party', 'in', parties)])}
        todo = [r for r in rows if r.match not in existing]
        # The status is the association's history, not a client's shortcut
        # through the workflow.
        with workflow_values_allowed():
            volunteers = Volunteer.create([{
                        'party': r.match,
                        'status': r.values.get('status') or 'candidate',
                        'criminal_record_date': r.values.get(
                            'criminal_record_date'),
                        } for r in todo])
        # The key of a volunteer row points to the volunteer record.
        for row in rows:
            if row.match in existing:
                row.match = existing[row.match]
        for row, volunteer in zip(todo, volunteers):
            row.match = volunteer.id

    # Reports -----------------------------------------------------------
    def error_file(self, plan):
        """CSV (';', UTF-8 with BOM for Excel) of rejected and linked rows.

        The cells come from an outside file and go to a spreadsheet: they
        are written through connexion_asso's spreadsheet helper, which
        keeps them from running as formulas."""
        header = [gettext('connexion_import.msg_error_line'),
            gettext('connexion_import.msg_error_column'),
            gettext('connexion_import.msg_error_status'),
            gettext('connexion_import.msg_error_reason')]
        status = {
            'reject': gettext('connexion_import.msg_status_rejected'),
            'match': gettext('connexion_import.msg_status_matched'),
            }

        def rows():
            yield header + list(plan.table.header)
            for row in plan.rows:
                if row.status not in status:
                    continue
                # Numbers of a workbook stay numbers, the rest is text.
                cells = [c if isinstance(c, (int, float)) else text(c)
                    for c in row.cells]
                if row.status == 'reject':
                    for column, reason in row.errors:
                        yield [row.line, column, status['reject'], reason
                            ] + cells
                elif row.status == 'match' and row.note:
                    yield [row.line, '', status['match'], row.note] + cells
        return csv_file(rows())

    def source_indicators(self, plan):
        "{year: [rows, amount]} of the valid rows of the file."
        result = defaultdict(lambda: [0, Decimal(0)])
        entity = self.profile.entity
        quantity = 'hours' if entity == 'hours' else 'amount'
        date_name = 'start_date' if entity == 'membership' else 'date'
        for row in plan.rows:
            if row.status == 'reject':
                continue
            date = row.values.get(date_name)
            year = date.year if date else None
            result[year][0] += 1
            result[year][1] += row.values.get(quantity) or 0
        return result

    def database_indicators(self):
        "{year: [records, amount]} imported from the profile's source."
        if self.profile.entity in INDICATORS:
            model, date, quantity = INDICATORS[self.profile.entity]
            return self.record_indicators(model, date, quantity)
        pool = Pool()
        Key = pool.get('connexion.import.key')
        key = Key.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*key.select(Count(key.id),
                where=(key.source == self.profile.source)
                & (key.entity == self.profile.entity)))
        count, = cursor.fetchone()
        return {None: [count, Decimal(0)]}

    def record_indicators(self, model, date, quantity):
        "{year: [records, sum of quantity]} imported from the source."
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Model = pool.get(model)
        key = Key.__table__()
        table = Model.__table__()
        cursor = Transaction().connection.cursor()
        year = Extract('YEAR', getattr(table, date))
        cursor.execute(*key.join(table,
                condition=key.record == table.id).select(
                year, Count(table.id), Sum(getattr(table, quantity)),
                where=(key.source == self.profile.source)
                & (key.entity == self.profile.entity),
                group_by=[year]))
        result = defaultdict(lambda: [0, Decimal(0)])
        for year, count, total in cursor:
            result[int(year)] = [count, Decimal(str(total or 0)).quantize(
                    Decimal('0.01'))]
        return result

    def summary(self, plan, dry_run=False):
        "The French report: counts and the migration indicators."
        source = self.source_indicators(plan)
        database = {} if dry_run else self.database_indicators()
        lines = [gettext(
                'connexion_import.msg_report_dry_run' if dry_run
                else 'connexion_import.msg_report_run',
                filename=self.filename or '', entity=self.profile.entity_string,
                encoding=plan.table.encoding or '',
                separator=repr(plan.table.separator or '')),
            gettext('connexion_import.msg_report_counts',
                lines=len(plan.rows), created=plan.count('create'),
                matched=plan.count('match'), skipped=plan.count('skip'),
                rejected=plan.count('reject')),
            '',
            gettext('connexion_import.msg_report_indicators')]
        quantity = 'hours' if self.profile.entity == 'hours' else 'amount'
        header = [gettext('connexion_import.msg_report_year'),
            gettext('connexion_import.msg_report_source_rows'),
            gettext('connexion_import.msg_report_source_' + quantity),
            gettext('connexion_import.msg_report_db_rows'),
            gettext('connexion_import.msg_report_db_' + quantity)]
        lines.append(' | '.join(header))
        years = sorted(set(source) | set(database),
            key=lambda y: (y is not None, y or 0))
        for year in years:
            s_rows, s_amount = source.get(year, (0, 0))
            d_rows, d_amount = database.get(year, (0, 0)) if not dry_run \
                else ('-', '-')
            lines.append(' | '.join(str(v) for v in [
                        year or gettext('connexion_import.msg_report_all'),
                        s_rows, s_amount, d_rows, d_amount]))
        return '\n'.join(lines)

    @classmethod
    def start(cls, profile, filename, data, method='bulk', dry_run=False,
            commit=None, progress=None):
        """Check and, unless dry_run, import a file with a profile.

        Returns the run (unsaved for a dry run), the plan and the report.
        A file that cannot be read raises CleanError before anything is
        written."""
        from .reader import read
        run = cls(profile=profile, filename=filename, method=method,
            state='running')
        table = read(data, filename)
        plan = run.plan(table)
        if dry_run:
            return run, plan, run.summary(plan, dry_run=True)
        run.lines = len(plan.rows)
        run.save()
        if commit:
            commit()
        run.execute(plan, commit=commit, progress=progress)
        run.state = 'done'
        run.created = plan.count('create')
        run.matched = plan.count('match')
        run.skipped = plan.count('skip')
        run.rejected = plan.count('reject')
        run.report = run.summary(plan)
        run.errors = run.error_file(plan)
        run.errors_filename = (filename or 'import').rsplit('.', 1)[0] \
            + '-rejets.csv'
        run.save()
        if commit:
            commit()
        return run, plan, run.report


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
