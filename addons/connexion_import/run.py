"""Import runs: the engine shared by the back-office wizard and scripts/import.

A run reads a file, maps and cleans every row, finds the duplicates, then
saves the valid rows batch by batch. What depends on the kind of record
imported is the importer of the profile's entity (``importer.py``), which
the modules of each kind of record add to ``Run._importers()`` (``party.py``,
``hours.py``, ``donation.py``). Each saved row leaves a source key
(``connexion.import.key``) so that importing the same file again, after an
interruption or by mistake, imports nothing twice.

Two ways to save: 'record' is the plain ORM, one create per row (the
reference); 'bulk' writes contacts, gifts and keys with SQL in large
batches (``bulk.py``: which of Tryton's rules it keeps and how), and
falls back to the ORM row by row for a batch it cannot save whole.
"""
import hashlib
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Count, Sum
from sql.functions import Extract

from connexion_asso.spreadsheet import csv_file
from trytond import backend
from trytond.backend import DatabaseDataError, DatabaseIntegrityError
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import cleaning
from .bulk import create as bulk_create
from .cleaning import CleanError, text
from .importer import Plan, Row

STATES = [
    ('running', "Running"),
    ('done', "Done"),
    ]
METHODS = [
    ('bulk', "Bulk"),
    ('record', "Record by Record"),
    ]

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


class Run(ModelSQL, ModelView):
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

    @classmethod
    def _importers(cls):
        """The importer classes of each kind of record (importer.py);
        the modules of the records extend the list with super()."""
        return []

    @classmethod
    def importers(cls):
        "{entity: importer class}"
        return {i.entity: i for i in cls._importers()}

    @classmethod
    def targets(cls, entity):
        "[(target, required)] of an entity."
        importer = cls.importers().get(entity)
        return importer.targets if importer else []

    @property
    def importer(self):
        "The importer of the profile's entity, for this run."
        return self.importers()[self.profile.entity](self)

    def message(self, error):
        return gettext(error.message, **error.variables)

    # Reading and checking ----------------------------------------------
    def plan(self, table):
        """Map, transcode and clean every row, then find duplicates.

        Nothing is written: this is the dry run, and the first step of the
        real one."""
        profile = self.profile
        importer = self.importer
        mapping = profile.header_positions(table.header)
        missing = [group for group in importer.required
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
        plan.entity = profile.entity
        transcodes = profile.transcodings()
        width = len(table.header)
        columns = [(t, p, importer.cleaner(t), transcodes.get(t))
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
                importer.check_row(plan, row)
        self.set_keys(plan)
        importer.match(plan)
        for row in plan.rows:
            if row.status is None:
                row.status = 'create'
        return plan

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
        importer = self.importer
        size = self.profile.batch_size
        done = 0
        for start in range(0, len(todo), size):
            batch = todo[start:start + size]
            if commit:
                self.commit_without_waiting()
            if self.method == 'bulk':
                if not self.try_save(
                        plan, batch, importer.save_bulk, bulk=True):
                    # The ORM tells which row is wrong, and why.
                    for row in batch:
                        self.try_save(plan, [row], importer.save)
            else:
                for row in batch:
                    self.try_save(plan, [row], importer.save_record)
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
        importer = self.importer
        quantity = importer.quantity_target
        date_name = importer.date_target
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
        if self.importer.indicators:
            model, date, quantity = self.importer.indicators
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
        quantity = self.importer.quantity_target
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

