"""Tax receipts (reçus fiscaux, CERFA 11580 and 16216): numbered without
gaps per year of issue, frozen copies of the gifts they cover, never deleted
(cancel-and-replace keeps the trail)."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql.aggregate import Count, Max, Min, Sum

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.report import Report
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .donation import FORMS, NATURES, PAYMENT_METHODS
from . import receipt_pdf
from .words import amount_to_words

FROZEN = {'company', 'number', 'year', 'sequence', 'kind', 'party',
    'donor_type', 'donor_name', 'donor_address', 'issue_date', 'date_start',
    'date_end', 'amount', 'currency', 'lines'}


# Wording of the CERFA boxes.
PRINTED_FORMS = [
    ('authentic', "Acte authentique"),
    ('private', "Acte sous seing privé"),
    ('manual', "Déclaration de don manuel"),
    ('other', "Autres"),
    ]
PRINTED_NATURES = [
    ('cash', "Numéraire"),
    ('securities', "Titres de sociétés cotés"),
    ('in_kind', "Autres (don en nature)"),
    ('income_waiver', "Abandon exprès de revenus ou produits"),
    ('expense_waiver', "Frais engagés par les bénévoles dont ils renoncent "
        "expressément au remboursement"),
    ]
PRINTED_METHODS = {
    'cash': "Espèces",
    'check': "Chèque",
    'transfer': "Virement",
    'direct_debit': "Prélèvement",
    'card': "Carte bancaire",
    }
PRINTED_METHOD_BOXES = [
    (('cash',), "Remise d'espèces"),
    (('check',), "Chèque"),
    (('transfer', 'direct_debit', 'card'),
        "Virement, prélèvement, carte bancaire"),
    ]


def format_date(date):
    return date.strftime('%d/%m/%Y') if date else ''


def format_amount(amount):
    "1 234,56 as printed in French."
    text = f"{amount:,.2f}"
    return text.replace(',', '\u202f').replace('.', ',')


class Receipt(Workflow, ModelSQL, ModelView):
    "Tax Receipt"
    __name__ = 'connexion.donation.receipt'
    _rec_name = 'number'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    number = fields.Char("Number", required=True, readonly=True)
    year = fields.Integer("Year", required=True, readonly=True)
    sequence = fields.Integer("Sequence", required=True, readonly=True)
    kind = fields.Selection([
            ('gift', "Per Gift"),
            ('annual', "Annual"),
            ], "Kind", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Donor", required=True, readonly=True,
        ondelete='RESTRICT')
    donor_type = fields.Selection([
            ('individual', "Individual"),
            ('company', "Company"),
            ], "Donor Type", required=True, readonly=True)
    donor_name = fields.Char("Donor Name", required=True, readonly=True)
    donor_address = fields.Text("Donor Address", readonly=True)
    issue_date = fields.Date("Issue Date", required=True, readonly=True)
    date_start = fields.Date("From", required=True, readonly=True)
    date_end = fields.Date("To", required=True, readonly=True)
    amount = Monetary(
        "Amount", currency='currency', digits='currency', required=True,
        readonly=True)
    currency = fields.Many2One(
        'currency.currency', "Currency", required=True, readonly=True)
    lines = fields.One2Many(
        'connexion.donation.receipt.line', 'receipt', "Gifts", readonly=True)
    donations = fields.One2Many(
        'connexion.donation', 'receipt', "Donations", readonly=True)
    state = fields.Selection([
            ('issued', "Issued"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True)
    replaced_by = fields.Many2One(
        'connexion.donation.receipt', "Replaced by", readonly=True)
    cancel_reason = fields.Text(
        "Cancellation Reason",
        states={'invisible': Eval('state') != 'cancelled'})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.company, t.number),
                'connexion_donation.msg_receipt_number_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality()),
                (t.year, Index.Range()), (t.sequence, Index.Range())))
        cls._order = [
            ('year', 'DESC'), ('sequence', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('issued', 'cancelled')}
        cls._buttons.update({
                'cancel': {
                    'invisible': Eval('state') != 'issued',
                    'depends': ['state'],
                    },
                'replace': {
                    'invisible': Eval('state') != 'issued',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'issued'

    @classmethod
    def check_modification(cls, mode, receipts, values=None, external=False):
        super().check_modification(
            mode, receipts, values=values, external=external)
        if mode == 'delete':
            raise AccessError(gettext(
                    'connexion_donation.msg_receipt_delete',
                    receipt=receipts[0].number))
        if mode == 'write' and set(values) & FROZEN:
            raise AccessError(gettext(
                    'connexion_donation.msg_receipt_frozen',
                    receipt=receipts[0].number))

    @classmethod
    def copy(cls, receipts, default=None):
        if not receipts:
            return []
        raise AccessError(gettext(
                'connexion_donation.msg_receipt_copy'))

    @classmethod
    def _next_sequences(cls, company, year, count):
        "The next count numbers of the year; the table is locked by issue."
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.select(Max(table.sequence),
                where=(table.company == company.id) & (table.year == year)))
        last, = cursor.fetchone()
        last = last or 0
        return range(last + 1, last + 1 + count)

    @classmethod
    def issue(cls, groups, kind='gift', date=None):
        """One receipt per group of validated gifts of one donor.

        The table lock serialises issuing: two users generating receipts at
        the same time get consecutive numbers, and a rolled back generation
        leaves no gap."""
        pool = Pool()
        Date = pool.get('ir.date')
        Donation = pool.get('connexion.donation')
        Line = pool.get('connexion.donation.receipt.line')
        groups = [list(g) for g in groups if g]
        if not groups:
            return []
        cls.lock()
        date = date or Date.today()
        # Read the gifts again once the table is locked, all at once (the
        # donors and their addresses are then read in bulk too).
        donations = {d.id: d for d in Donation.browse(
                [d.id for g in groups for d in g])}
        groups = [[donations[d.id] for d in g] for g in groups]
        by_company = defaultdict(list)
        for group in groups:
            first = group[0]
            for donation in group:
                if donation.state != 'validated':
                    raise ValidationError(gettext(
                            'connexion_donation.msg_receipt_not_validated',
                            donation=donation.rec_name))
                if donation.receipt and donation.receipt.state == 'issued':
                    raise ValidationError(gettext(
                            'connexion_donation.msg_donation_receipted',
                            donation=donation.rec_name,
                            receipt=donation.receipt.number))
                if (donation.party != first.party
                        or donation.company != first.company
                        or donation.currency != first.currency):
                    raise ValidationError(gettext(
                            'connexion_donation.msg_receipt_one_donor'))
            by_company[first.company].append(group)
        to_create, groups_created = [], []
        for company, company_groups in by_company.items():
            sequences = cls._next_sequences(
                company, date.year, len(company_groups))
            for group, sequence in zip(company_groups, sequences):
                first = group[0]
                party = first.party
                address = party.address_get()
                to_create.append({
                        'company': company.id,
                        'year': date.year,
                        'sequence': sequence,
                        'number': f"{date.year}-{sequence:05d}",
                        'kind': kind,
                        'party': party.id,
                        'donor_type': first.donor_type,
                        'donor_name': party.full_name,
                        'donor_address': (
                            address.full_address if address else None),
                        'issue_date': date,
                        'date_start': min(d.date for d in group),
                        'date_end': max(d.date for d in group),
                        'amount': sum((d.amount for d in group), Decimal(0)),
                        'currency': first.currency.id,
                        })
                groups_created.append(group)
        receipts = cls.create(to_create)
        # The lines of every receipt in one call (not one call per receipt).
        Line.create([dict(Line.values_from_donation(d), receipt=receipt.id)
                for receipt, group in zip(receipts, groups_created)
                for d in sorted(group, key=lambda d: (d.date, d.id))])
        to_write = []
        for receipt, group in zip(receipts, groups_created):
            to_write.extend([group, {'receipt': receipt.id}])
        Donation.write(*to_write)
        return receipts

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, receipts):
        "The number stays used; the gifts are released for a new receipt."
        pool = Pool()
        Donation = pool.get('connexion.donation')
        donations = [d for r in receipts for d in r.donations]
        if donations:
            Donation.write(donations, {'receipt': None})

    @classmethod
    @ModelView.button
    def replace(cls, receipts):
        """Cancel and issue a new receipt for the same gifts (e.g. after a
        correction of the donor's address); the old one points to the new."""
        groups = [list(r.donations) for r in receipts]
        kinds = [r.kind for r in receipts]
        cls.cancel(receipts)
        for receipt, group, kind in zip(receipts, groups, kinds):
            if not group:
                continue
            new, = cls.issue([group], kind=kind)
            cls.write([receipt], {'replaced_by': new.id})

    # Values printed on the receipt

    @property
    def cerfa(self):
        return '16216*01' if self.donor_type == 'company' else '11580*05'

    @property
    def amount_figures(self):
        "Amount framed by asterisks, as required when printed by a computer."
        return f"***{format_amount(self.amount)} €***"

    @property
    def amount_words(self):
        return amount_to_words(self.amount)

    def _line_values(self, name):
        return {getattr(l, name) for l in self.lines}

    @property
    def forms(self):
        return self._line_values('form')

    @property
    def natures(self):
        return self._line_values('nature')

    @property
    def payment_methods(self):
        return self._line_values('payment_method')

    @property
    def rate_text(self):
        Config = Pool().get('connexion.donation.configuration')
        return Config(1).rate_text(self.donor_type)

    @property
    def donor_siren(self):
        for identifier in self.party.identifiers:
            if identifier.type in {'fr_siren', 'fr_siret'}:
                return identifier.code[:9]

    @property
    def in_kind_descriptions(self):
        return [l.in_kind_description for l in self.lines
            if l.nature == 'in_kind' and l.in_kind_description]

    @staticmethod
    def pdf_values(row, lines, siren):
        """What the PDF prints for a receipt read as a dict, with its lines
        (dicts, in order), as plain values (see receipt_pdf)."""
        company = row['donor_type'] == 'company'
        forms = {l['form'] for l in lines}
        natures = {l['nature'] for l in lines}
        methods = {l['payment_method'] for l in lines}

        def boxes(choices, chosen):
            return [('☒ ' if key in chosen else '☐ ') + label
                for key, label in choices]
        return {
            'company': company,
            'cerfa': '16216*01' if company else '11580*05',
            'number': row['number'],
            'donor_name': row['donor_name'],
            'donor_siren': siren if company else None,
            'donor_address': (row['donor_address'] or '').replace('\n', ', '),
            'amount_figures': f"***{format_amount(row['amount'])} €***",
            'amount_words': amount_to_words(row['amount']),
            'kind': row['kind'],
            'date_start': format_date(row['date_start']),
            'date_end': format_date(row['date_end']),
            'lines': [[format_date(l['date']),
                    dict(PRINTED_NATURES)[l['nature']],
                    PRINTED_METHODS.get(l['payment_method']) or '–',
                    f"{format_amount(l['amount'])} €"]
                for l in lines] if row['kind'] == 'annual' else [],
            'in_kind': '; '.join(l['in_kind_description'] for l in lines
                if l['nature'] == 'in_kind' and l['in_kind_description']),
            'articles': boxes([('200', "200 du CGI"),
                    ('238', "238 bis du CGI"), ('978', "978 du CGI")],
                {'238'} if company else {'200'}),
            'forms': boxes(PRINTED_FORMS, forms),
            'natures': boxes(PRINTED_NATURES, natures),
            'methods': [('☒ ' if set(keys) & methods else '☐ ') + label
                for keys, label in PRINTED_METHOD_BOXES],
            'issue_date': format_date(row['issue_date']),
            }

    @classmethod
    def render_pdf(cls, ids, processes=None):
        """One PDF for the receipts, one page (or more) each, in the order
        of ids; read in bulk, drawn by `processes` processes (default: the
        [connexion_donation] receipt_processes setting, else 1)."""
        pool = Pool()
        Association = pool.get('connexion.association')
        Config = pool.get('connexion.donation.configuration')
        Line = pool.get('connexion.donation.receipt.line')
        Identifier = pool.get('party.identifier')
        if processes is None:
            processes = config.getint(
                'connexion_donation', 'receipt_processes', default=1)
        ids = list(map(int, ids))
        configuration = Config(1)
        association = Association.get_singleton()
        rate_texts = {t: configuration.rate_text(t)
            for t in ['individual', 'company']}
        printed = {
            'name': association.name if association else '',
            'address': (association.full_address or '').replace('\n', ', ')
            if association else '',
            'rna': association.rna if association else None,
            'siren': association.siren if association else None,
            'purpose': (association.purpose or '') if association else '',
            'public_utility': bool(association and association.public_utility),
            }
        signatory = ''
        if association:
            signatory = ', '.join(filter(None, [
                        association.signatory_name,
                        association.signatory_function]))
        rows = {r['id']: r for r in cls.read(ids, [
                    'number', 'kind', 'donor_type', 'donor_name',
                    'donor_address', 'amount', 'date_start', 'date_end',
                    'issue_date', 'party'])}
        lines = defaultdict(list)
        for i in range(0, len(ids), 5000):
            for line in Line.search_read(
                    [('receipt', 'in', ids[i:i + 5000])],
                    order=[('date', 'ASC'), ('id', 'ASC')],
                    fields_names=['receipt', 'date', 'amount', 'form',
                        'nature', 'payment_method', 'in_kind_description']):
                lines[line['receipt']].append(line)
        sirens = {}
        companies = [r['party'] for r in rows.values()
            if r['donor_type'] == 'company']
        if companies:
            for identifier in Identifier.search([
                        ('party', 'in', companies),
                        ('type', 'in', ['fr_siren', 'fr_siret']),
                        ], order=[('id', 'DESC')]):
                sirens[identifier.party.id] = identifier.code[:9]
        values = []
        for id_ in ids:
            row = rows[id_]
            value = cls.pdf_values(
                row, lines[id_], sirens.get(row['party']))
            value.update(association=printed, signatory=signatory,
                rate_text=rate_texts[row['donor_type']])
            values.append(value)
        signature = association.signature if association else None
        return receipt_pdf.render(
            values, signature=signature, processes=processes)


class ReceiptLine(ModelSQL, ModelView):
    "Tax Receipt Gift"
    __name__ = 'connexion.donation.receipt.line'

    receipt = fields.Many2One(
        'connexion.donation.receipt', "Receipt", required=True,
        ondelete='CASCADE')
    donation = fields.Many2One(
        'connexion.donation', "Donation", required=True, ondelete='RESTRICT')
    date = fields.Date("Date", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True)
    form = fields.Selection(FORMS, "Form", required=True)
    nature = fields.Selection(NATURES, "Nature", required=True)
    payment_method = fields.Selection(PAYMENT_METHODS, "Payment Method")
    in_kind_description = fields.Text("Description of the Goods")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('receipt')
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def values_from_donation(cls, donation):
        return {
            'donation': donation.id,
            'date': donation.date,
            'amount': donation.amount,
            'form': donation.form,
            'nature': donation.nature,
            'payment_method': donation.payment_method,
            'in_kind_description': donation.in_kind_description,
            }

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode in {'write', 'delete'}:
            raise AccessError(gettext(
                    'connexion_donation.msg_receipt_frozen',
                    receipt=lines[0].receipt.number))


class ReceiptYear(ModelSQL, ModelView):
    """Yearly totals of the receipts issued, for the declaration of
    article 222 bis of the CGI (amount and number of receipts)."""
    __name__ = 'connexion.donation.receipt.year'

    company = fields.Many2One('company.company', "Company")
    year = fields.Integer("Year")
    receipt_count = fields.Integer("Number of Receipts")
    amount = fields.Numeric("Amount", digits=(16, 2))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('year', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        Receipt = Pool().get('connexion.donation.receipt')
        receipt = Receipt.__table__()
        return receipt.select(
            Min(receipt.id).as_('id'),
            Min(receipt.create_uid).as_('create_uid'),
            Min(receipt.create_date).as_('create_date'),
            Max(receipt.write_uid).as_('write_uid'),
            Max(receipt.write_date).as_('write_date'),
            receipt.company.as_('company'),
            receipt.year.as_('year'),
            Count(receipt.id).as_('receipt_count'),
            Sum(receipt.amount).as_('amount'),
            where=receipt.state == 'issued',
            group_by=[receipt.company, receipt.year])


class _Printed:
    "A receipt as the report names its file."
    __slots__ = ('id', 'rec_name')

    def __init__(self, id, rec_name):
        self.id, self.rec_name = id, rec_name

    def __int__(self):
        return self.id


class ReceiptReport(Report):
    "Tax receipt PDF, one page per receipt, drawn by receipt_pdf."
    __name__ = 'connexion.donation.receipt'

    @classmethod
    def _get_records(cls, ids, model, data):
        "Only ids and numbers (names the file): render_pdf reads in bulk."
        Receipt = Pool().get(model)
        numbers = {r['id']: r['number'] for r in Receipt.read(ids, ['number'])}
        return [_Printed(i, numbers[i]) for i in ids]

    @classmethod
    def _execute(cls, records, header, data, action):
        Receipt = Pool().get('connexion.donation.receipt')
        return 'pdf', Receipt.render_pdf([r.id for r in records])


class GenerateStart(ModelView):
    "Generate Tax Receipts"
    __name__ = 'connexion.donation.receipt.generate.start'

    year = fields.Integer("Year of the Gifts", required=True)
    issue_date = fields.Date("Issue Date", required=True)

    @staticmethod
    def default_year():
        return Pool().get('ir.date').today().year - 1

    @staticmethod
    def default_issue_date():
        return Pool().get('ir.date').today()


class Generate(Wizard):
    """Receipts for every gift of a year not yet receipted: one per donor for
    annual receipts, one per gift for the others, none when refused."""
    __name__ = 'connexion.donation.receipt.generate'

    start = StateView('connexion.donation.receipt.generate.start',
        'connexion_donation.receipt_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateAction('connexion_donation.act_receipt_form')

    @classmethod
    def groups(cls, year):
        "Groups of gifts to receipt for the year, by donor preference."
        Donation = Pool().get('connexion.donation')
        donations = Donation.search([
                ('state', '=', 'validated'),
                ('receipt', '=', None),
                ('date', '>=', dt.date(year, 1, 1)),
                ('date', '<=', dt.date(year, 12, 31)),
                ], order=[('party', 'ASC'), ('date', 'ASC'), ('id', 'ASC')])
        annual, per_gift = defaultdict(list), []
        for donation in donations:
            preference = donation.party.receipt_preference or 'annual'
            if preference == 'none':
                continue
            if preference == 'gift':
                per_gift.append([donation])
            else:
                annual[(donation.party, donation.company,
                        donation.currency)].append(donation)
        return list(annual.values()), per_gift

    def do_generate(self, action):
        Receipt = Pool().get('connexion.donation.receipt')
        annual, per_gift = self.groups(self.start.year)
        receipts = Receipt.issue(
            annual, kind='annual', date=self.start.issue_date)
        receipts += Receipt.issue(
            per_gift, kind='gift', date=self.start.issue_date)
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [r.id for r in receipts])])
        return action, {}
