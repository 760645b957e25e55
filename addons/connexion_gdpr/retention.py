"""Retention rules: personal data is kept only as long as needed (GDPR art.
5-1-e), then anonymised.

Nothing is anonymised unseen: the daily task only *proposes* (a list of
proposals), and a member of the "GDPR Erasure" group confirms them, or
confirms the list shown by the dry-run wizard. Both re-check each person at
that moment: a gift, a login or a consent since the list was made keeps
her. A person is never proposed while a relationship runs (a direct debit
plan, a gift awaiting its tax receipt, a current membership or engagement)
or if she was active since the limit (see party.gdpr_retention_blockers).
"""
import datetime as dt

from dateutil.relativedelta import relativedelta

from connexion_asso.workflow import TransitionOnlyMixin

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields)
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import RetentionRuleError
from .party import CATEGORIES


class RetentionRule(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.gdpr.retention.rule'

    name = fields.Char("Name", required=True)
    category = fields.Selection(
        [c for c in CATEGORIES if c[0]], "Data Subject Category",
        required=True)
    years = fields.Integer(
        "Years", required=True,
        help="Years after the last contact coming from the person (or "
        "after the record's creation when there was none), counted from "
        "the end of the relationship: a running direct debit, a gift "
        "awaiting its receipt, a membership or an engagement keep the "
        "person. The records the law requires (accounting 10 years, tax "
        "receipts 6 years) are kept anonymised by the erasure.")
    processing = fields.Many2One(
        'connexion.gdpr.processing', "Processing", ondelete='SET NULL')

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        for rule in rules:
            if rule.years is not None and rule.years < 1:
                raise RetentionRuleError(gettext(
                        'connexion_gdpr.msg_retention_years',
                        rule=rule.rec_name))

    def limit_date(self, date=None):
        if date is None:
            date = Pool().get('ir.date').today()
        return date - relativedelta(years=self.years)

    def due(self, date=None):
        """(parties, {party: reason}): the persons of the category with no
        contact from them since the limit, and among them those kept
        because a relationship still runs or they were active since."""
        pool = Pool()
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        limit = self.limit_date(date)
        companies = [c.party.id for c in Company.search([])]
        candidates = Party.search([
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
        blockers = Party.gdpr_retention_blockers(
            [p.id for p in candidates], limit)
        return ([p for p in candidates if p.id not in blockers],
            {p: blockers[p.id] for p in candidates if p.id in blockers})

    def parties_due(self, date=None):
        "Parties of the category whose retention period is over."
        return self.due(date)[0]

    @classmethod
    def dry_run(cls, rules=None, date=None):
        "[(rule, parties)] that applying the rules would anonymise."
        if rules is None:
            rules = cls.search([])
        return [(rule, rule.parties_due(date)) for rule in rules]

    @classmethod
    def anonymise(cls, parties, date=None):
        """Anonymise those of the parties (shown to and confirmed by a
        person) whose retention period is still over: a gift or a login
        since the list was shown keeps the person. Returns the logs."""
        pool = Pool()
        Party = pool.get('party.party')
        ids = {p.id for p in parties}
        erased = []
        for rule, due in cls.dry_run(date=date):
            selected = [p for p in due if p.id in ids]
            if selected:
                erased.extend(Party.gdpr_erase(
                        selected, gettext(
                            'connexion_gdpr.msg_retention_reason',
                            rule=rule.rec_name, years=rule.years),
                        origin='retention'))
                ids -= {p.id for p in selected}
        return erased

    @classmethod
    def propose(cls, date=None):
        """Daily task: list the persons whose retention period is over as
        proposals; it never anonymises (a member of the "GDPR Erasure"
        group confirms each one). Stale proposals become obsolete; a
        proposal discarded less than a year ago is not made again."""
        pool = Pool()
        Proposal = pool.get('connexion.gdpr.retention.proposal')
        if date is None:
            date = pool.get('ir.date').today()
        due = {}
        for rule, parties in cls.dry_run(date=date):
            for party in parties:
                due.setdefault(party.id, rule)
        pending = Proposal.search([('state', '=', 'proposed')])
        stale = [p for p in pending if p.party.id not in due]
        if stale:
            Proposal.write(stale, {'state': 'obsolete'})
        skip = {p.party.id for p in pending} | {p.party.id
            for p in Proposal.search([
                    ('state', '=', 'discarded'),
                    ('date', '>', date - relativedelta(years=1)),
                    ])}
        return Proposal.create([{
                    'party': party_id, 'rule': rule.id, 'date': date,
                    } for party_id, rule in due.items()
                if party_id not in skip])


class Proposal(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
    """A person whose retention period is over, proposed by the daily task:
    a member of the "GDPR Erasure" group anonymises or keeps her."""
    __name__ = 'connexion.gdpr.retention.proposal'
    __string__ = "Retention Proposal"

    party = fields.Many2One(
        'party.party', "Party", required=True, readonly=True,
        ondelete='CASCADE')
    rule = fields.Many2One(
        'connexion.gdpr.retention.rule', "Rule", readonly=True,
        ondelete='SET NULL')
    date = fields.Date("Proposed On", required=True, readonly=True)
    last_contact = fields.Function(
        fields.Date("Last Contact from the Person"), 'get_last_contact')
    state = fields.Selection([
            ('proposed', "Proposed"),
            ('done', "Anonymised"),
            ('discarded', "Kept"),
            ('obsolete', "No Longer Due"),
            ], "State", readonly=True, required=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'ASC')]
        cls._transitions |= {
            ('proposed', 'done'),
            ('proposed', 'discarded'),
            ('proposed', 'obsolete'),
            }
        cls._buttons.update({
                'anonymise': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                'discard': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'proposed'

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    def get_last_contact(self, name):
        return self.party.gdpr_last_contact

    @classmethod
    @ModelView.button
    def anonymise(cls, proposals):
        """Anonymise the proposed persons still due; the others become
        obsolete (a contact came from them since)."""
        pool = Pool()
        Rule = pool.get('connexion.gdpr.retention.rule')
        check_forget_group()
        proposals = [p for p in proposals if p.state == 'proposed']
        logs = Rule.anonymise([p.party for p in proposals])
        erased = {l.party.id for l in logs}
        done = [p for p in proposals if p.party.id in erased]
        obsolete = [p for p in proposals if p.party.id not in erased]
        for records, state in [(done, 'done'), (obsolete, 'obsolete')]:
            if records:
                cls.write(records, {'state': state})

    @classmethod
    @ModelView.button
    @Workflow.transition('discarded')
    def discard(cls, proposals):
        "Keep the person (a claim, a legal hold): not proposed for a year."
        pass


def check_forget_group():
    "Only the GDPR Erasure group anonymises, whatever the access path."
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user_id = Transaction().user
    if not user_id:
        return
    group = ModelData.get_id('connexion_gdpr', 'group_gdpr_forget')
    if group not in {g.id for g in User(user_id).groups}:
        raise AccessError(gettext('connexion_gdpr.msg_erase_forbidden'))


class RetentionDryRunStart(ModelView):
    __name__ = 'connexion.gdpr.retention.dry_run.start'

    date = fields.Date("Date", required=True)
    report = fields.Text("Report", readonly=True)
    parties = fields.Many2Many(
        'party.party', None, None, "Persons to Anonymise", readonly=True)

    @fields.depends('date', 'report', 'parties')
    def on_change_date(self):
        pool = Pool()
        Rule = pool.get('connexion.gdpr.retention.rule')
        self.parties = []
        if not self.date:
            self.report = ''
            return
        lines, parties = [], []
        for rule in Rule.search([]):
            due, kept = rule.due(self.date)
            lines.append(gettext('connexion_gdpr.msg_dry_run_rule',
                    rule=rule.rec_name, count=len(due),
                    limit=rule.limit_date(self.date).strftime('%d/%m/%Y')))
            lines.extend(f'  - {p.rec_name}' for p in due)
            lines.extend('  = ' + gettext('connexion_gdpr.msg_dry_run_kept',
                    party=p.rec_name, reason=reason)
                for p, reason in kept.items())
            parties.extend(due)
        self.report = '\n'.join(lines) or gettext(
            'connexion_gdpr.msg_dry_run_nothing')
        self.parties = parties


class RetentionDryRun(Wizard):
    """Show who the retention rules would anonymise and why others are
    kept; a member of the "GDPR Erasure" group then confirms that list."""
    __name__ = 'connexion.gdpr.retention.dry_run'

    start = StateView('connexion.gdpr.retention.dry_run.start',
        'connexion_gdpr.retention_dry_run_start_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            Button("Anonymise the Listed Persons", 'apply',
                'tryton-delete'),
            ])
    apply = StateTransition()

    def default_start(self, fields):
        start = Pool().get('connexion.gdpr.retention.dry_run.start')()
        start.date = Pool().get('ir.date').today()
        start.on_change_date()
        return {'date': start.date, 'report': start.report,
            'parties': [p.id for p in start.parties]}

    def transition_apply(self):
        "Only the persons listed, still due on the date shown."
        Rule = Pool().get('connexion.gdpr.retention.rule')
        check_forget_group()
        Rule.anonymise(self.start.parties, date=self.start.date)
        return 'end'
