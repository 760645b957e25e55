"""Back-office import: choose a profile and a file, simulate, then import."""
import time

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.wizard import Button, StateTransition, StateView, Wizard

from connexion_asso.formatting import format_duration

from .cleaning import CleanError
from .exceptions import ImportFileError


class ImportStart(ModelView):
    __name__ = 'connexion.import.wizard.start'

    profile = fields.Many2One('connexion.import.profile', "Profile",
        required=True)
    file = fields.Binary("File", required=True, filename='filename',
        help="CSV (any separator, UTF-8 or Windows) or Excel (XLSX).")
    filename = fields.Char("File Name")


class ImportResult(ModelView):
    __name__ = 'connexion.import.wizard.result'

    dry_run = fields.Boolean("Dry Run", readonly=True)
    report = fields.Text("Report", readonly=True)
    errors = fields.Binary("Error File", filename='errors_filename',
        readonly=True)
    errors_filename = fields.Char("Error File Name", readonly=True)
    run = fields.Many2One('connexion.import.run', "Run", readonly=True)


class ImportWizard(Wizard):
    __name__ = 'connexion.import.wizard'

    start = StateView('connexion.import.wizard.start',
        'connexion_import.import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Dry Run", 'dry_run', 'tryton-search'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    dry_run = StateTransition()
    import_ = StateTransition()
    result = StateView('connexion.import.wizard.result',
        'connexion_import.import_result_view_form', [
            Button("Back", 'start', 'tryton-back'),
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def _start(self, dry_run):
        Run = Pool().get('connexion.import.run')
        started = time.monotonic()
        try:
            run, plan, report = Run.start(self.start.profile,
                self.start.filename, self.start.file, dry_run=dry_run)
        except CleanError as error:
            raise ImportFileError(
                gettext(error.message, **error.variables)) from error
        self.result.dry_run = dry_run
        # What it did (the report's counts) and how long it took.
        self.result.report = '\n'.join([report, gettext(
                    'connexion_import.msg_report_duration',
                    duration=format_duration(time.monotonic() - started))])
        self.result.errors = run.error_file(plan)
        self.result.errors_filename = (
            (self.start.filename or 'import').rsplit('.', 1)[0]
            + '-rejets.csv')
        self.result.run = None if dry_run else run
        return 'result'

    def transition_dry_run(self):
        "Check the whole file and report, writing nothing."
        return self._start(True)

    def transition_import_(self):
        return self._start(False)

    def default_result(self, fields):
        return {
            'dry_run': self.result.dry_run,
            'report': self.result.report,
            'errors': self.result.errors,
            'errors_filename': self.result.errors_filename,
            'run': self.result.run.id if self.result.run else None,
            }
