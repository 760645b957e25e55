"""Retention rules: personal data is kept only as long as needed (GDPR art.
5-1-e), then anonymised by a daily task."""
import datetime as dt

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .party import CATEGORIES


class RetentionRule(DeactivableMixin, ModelSQL, ModelView):
    "Retention Rule"
    __name__ = 'connexion.gdpr.retention.rule'

    name = fields.Char("Name", required=True)
    category = fields.Selection(
        [c for c in CATEGORIES if c[0]], "Data Subject Category",
        required=True)
    years = fields.Integer(
        "Years", required=True,
        help="Years after the last contact coming from the person (or "
        "after the record's creation when there was none).")
    processing = fields.Many2One(
        'connexion.gdpr.processing', "Processing", ondelete='SET NULL')

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        for rule in rules:
            if rule.years is not None and rule.years < 1:
                raise ValidationError(gettext(
                        'connexion_gdpr.msg_retention_years',
                        rule=rule.rec_name))

    def limit_date(self, date=None):
        if date is None:
            date = Pool().get('ir.date').today()
        return date - relativedelta(years=self.years)

    def parties_due(self, date=None):
        "Parties of the category whose retention period is over."
        pool = Pool()
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        limit = self.limit_date(date)
        companies = [c.party.id for c in Company.search([])]
        return Party.search([
                ('gdpr_category', '=', self.category),
                ('gdpr_erased', '=', None),
                ('id', 'not in', companies),
                ['OR',
                    ('gdpr_last_contact', '<', limit),
                    [('gdpr_last_contact', '=', None),
                        ('create_date', '<', dt.datetime.combine(
                                limit, dt.time.min))],
                    ],
                ], order=[('id', 'ASC')])

    @classmethod
    def dry_run(cls, rules=None, date=None):
        "[(rule, parties)] that applying the rules would anonymise."
        if rules is None:
            rules = cls.search([])
        return [(rule, rule.parties_due(date)) for rule in rules]

    @classmethod
    def apply(cls, rules=None, date=None):
        "Anonymise every party past its retention period (daily task)."
        pool = Pool()
        Party = pool.get('party.party')
        erased = []
        for rule, parties in cls.dry_run(rules, date):
            if parties:
                erased.extend(Party.gdpr_erase(
                        parties, gettext('connexion_gdpr.msg_retention_reason',
                            rule=rule.rec_name, years=rule.years),
                        origin='retention'))
        return erased


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('connexion.gdpr.retention.rule|apply',
                    "Anonymise Data Past Retention"),
                ('connexion.gdpr.campaign|process',
                    "Send Queued Campaign E-mails"),
                ])


class RetentionDryRunStart(ModelView):
    "Retention Dry Run"
    __name__ = 'connexion.gdpr.retention.dry_run.start'

    date = fields.Date("Date", required=True)
    report = fields.Text("Report", readonly=True)

    @fields.depends('date')
    def on_change_date(self):
        pool = Pool()
        Rule = pool.get('connexion.gdpr.retention.rule')
        if not self.date:
            self.report = ''
            return
        lines = []
        for rule, parties in Rule.dry_run(date=self.date):
            lines.append(gettext('connexion_gdpr.msg_dry_run_rule',
                    rule=rule.rec_name, count=len(parties),
                    limit=rule.limit_date(self.date).strftime('%d/%m/%Y')))
            lines.extend(f'  - {p.rec_name}' for p in parties)
        self.report = '\n'.join(lines) or gettext(
            'connexion_gdpr.msg_dry_run_nothing')


class RetentionDryRun(Wizard):
    "Show who the retention rules would anonymise, before doing it."
    __name__ = 'connexion.gdpr.retention.dry_run'

    start = StateView('connexion.gdpr.retention.dry_run.start',
        'connexion_gdpr.retention_dry_run_start_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            Button("Anonymise Now", 'apply', 'tryton-delete'),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        start = Pool().get('connexion.gdpr.retention.dry_run.start')()
        start.date = Pool().get('ir.date').today()
        start.on_change_date()
        return {'date': start.date, 'report': start.report}

    def transition_apply(self):
        pool = Pool()
        Rule = pool.get('connexion.gdpr.retention.rule')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        group = ModelData.get_id('connexion_gdpr', 'group_gdpr_forget')
        user = User(Transaction().user)
        if group not in {g.id for g in user.groups}:
            from trytond.model.exceptions import AccessError
            raise AccessError(gettext('connexion_gdpr.msg_erase_forbidden'))
        Rule.apply(date=self.start.date)
        return 'end'
