"""Printing tax receipts: the wording of the CERFA boxes, the values a
receipt prints (stored at its issue, so that a reprint is the same
document) and the report, drawn by receipt_pdf."""
from collections import defaultdict

from trytond.config import config
from trytond.pool import Pool, PoolMeta
from trytond.report import Report

from connexion_asso.formatting import (
    amount_formatter, format_amount, format_date)

from . import receipt_pdf
from .receipt_issue import association_printed
from .words import amount_to_words

# What a receipt printed before its printed values were stored (legacy
# rows): the CERFA version then in use.
LEGACY_CERFA = {'individual': '11580*05', 'company': '16216*01'}
# The printed values stored at issue.
PRINTED_FIELDS = ['cerfa', 'association_name', 'association_address',
    'association_rna', 'association_siren', 'association_purpose',
    'association_quality', 'rate_text', 'signatory']

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


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    @property
    def amount_figures(self):
        "Amount framed by asterisks, as required when printed by a computer."
        return f"***{format_amount(self.amount)}***"

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
    def in_kind_descriptions(self):
        return [l.in_kind_description for l in self.lines
            if l.nature == 'in_kind' and l.in_kind_description]

    @classmethod
    def _printed_forms(cls, forms):
        """(the forms checked, [(form, wording)]) of the CERFA box « forme
        du don » for the forms of the lines: extended by the modules whose
        receipted records have forms of their own (membership fees)."""
        return forms, PRINTED_FORMS

    @classmethod
    def _printed_nature(cls, line):
        """The nature of a line (a dict) in the list of an annual receipt:
        extended like _printed_forms."""
        return dict(PRINTED_NATURES)[line['nature']]

    @classmethod
    def pdf_values(cls, row, lines, siren, linked=None, money=None):
        """What the PDF prints for a receipt read as a dict (with its stored
        printed values), its lines (dicts, in order) and the receipts it
        replaces or is replaced by ({id: dict}), as plain values (see
        receipt_pdf); money: the amount_formatter of a whole file."""
        linked = linked or {}
        money = money or amount_formatter()
        company = row['donor_type'] == 'company'
        forms, printed_forms = cls._printed_forms(
            {l['form'] for l in lines})
        natures = {l['nature'] for l in lines}
        methods = {l['payment_method'] for l in lines}

        def boxes(choices, chosen):
            return [('☒ ' if key in chosen else '☐ ') + label
                for key, label in choices]

        def number(id_):
            other = linked.get(id_)
            if other:
                return (f"{other['number']} du "
                    f"{format_date(other['issue_date'])}")
        cancelled = None
        if row.get('state') == 'cancelled':
            cancelled = {
                'date': format_date(row.get('cancel_date')),
                'reason': (row.get('cancel_reason') or '').replace(
                    '\n', ' '),
                'replaced_by': number(row.get('replaced_by')),
                }
        return {
            'company': company,
            'cerfa': row.get('cerfa') or LEGACY_CERFA[row['donor_type']],
            'number': row['number'],
            'cancelled': cancelled,
            'replaces': number(row.get('replaces')),
            'association': {
                'name': row.get('association_name') or '',
                'address': (row.get('association_address') or '').replace(
                    '\n', ', '),
                'rna': row.get('association_rna'),
                'siren': row.get('association_siren'),
                'purpose': row.get('association_purpose') or '',
                'quality': row.get('association_quality') or '',
                },
            'signatory': row.get('signatory') or '',
            'rate_text': row.get('rate_text') or '',
            'donor_name': row['donor_name'],
            'donor_siren': (row.get('donor_siren') or siren)
            if company else None,
            'donor_legal_form': row.get('donor_legal_form')
            if company else None,
            'donor_address': (row['donor_address'] or '').replace('\n', ', '),
            'amount_figures': f"***{money(row['amount'])}***",
            'amount_words': amount_to_words(row['amount']),
            'kind': row['kind'],
            'date_start': format_date(row['date_start']),
            'date_end': format_date(row['date_end']),
            'lines': [[format_date(l['date']),
                    cls._printed_nature(l),
                    PRINTED_METHODS.get(l['payment_method']) or '–',
                    money(l['amount'])]
                for l in lines] if row['kind'] == 'annual' else [],
            'in_kind': '; '.join(l['in_kind_description'] for l in lines
                if l['nature'] == 'in_kind' and l['in_kind_description']),
            'articles': boxes([('200', "200 du CGI"),
                    ('238', "238 bis du CGI"), ('978', "978 du CGI")],
                {'238'} if company else {'200'}),
            'forms': boxes(printed_forms, forms),
            'natures': boxes(PRINTED_NATURES, natures),
            'methods': [('☒ ' if set(keys) & methods else '☐ ') + label
                for keys, label in PRINTED_METHOD_BOXES],
            'issue_date': format_date(row['issue_date']),
            }

    @classmethod
    def render_pdf(cls, ids, processes=None):
        """One PDF for the receipts, one page (or more) each, in the order
        of ids; read in bulk, drawn by `processes` processes (default: the
        [connexion_tax_receipt] receipt_processes setting, else 1). A receipt
        prints what was stored at its issue: a reprint is the same
        document, whatever the settings became."""
        pool = Pool()
        Association = pool.get('connexion.association')
        Config = pool.get('connexion.donation.configuration')
        Line = pool.get('connexion.donation.receipt.line')
        if processes is None:
            processes = config.getint(
                'connexion_tax_receipt', 'receipt_processes', default=1)
        ids = list(map(int, ids))
        association = Association.get_singleton()
        rows = {r['id']: r for r in cls.read(ids, [
                    'number', 'kind', 'donor_type', 'donor_name',
                    'donor_address', 'donor_siren', 'donor_legal_form',
                    'amount', 'date_start', 'date_end', 'issue_date',
                    'party', 'state', 'cancel_date', 'cancel_reason',
                    'replaced_by', 'replaces'] + PRINTED_FIELDS)}
        legacy = [r for r in rows.values() if not r['association_name']]
        if legacy:
            # Issued before the printed values were stored: the current
            # settings, as these receipts always printed.
            configuration = Config(1)
            current = association_printed(association) if association else {}
            for row in legacy:
                for name, value in dict(current,
                        rate_text=configuration.rate_text(row['donor_type'],
                            row['date_start'], row['date_end'])
                        ).items():
                    if not row.get(name):
                        row[name] = value
        linked_ids = {r[n] for r in rows.values()
            for n in ['replaced_by', 'replaces'] if r[n]}
        linked = {r['id']: r for r in cls.read(
                list(linked_ids), ['number', 'issue_date'])}
        lines = defaultdict(list)
        for i in range(0, len(ids), 5000):
            for line in Line.search_read(
                    [('receipt', 'in', ids[i:i + 5000])],
                    order=[('date', 'ASC'), ('id', 'ASC')],
                    fields_names=['receipt', 'date', 'amount', 'form',
                        'nature', 'payment_method', 'in_kind_description']):
                lines[line['receipt']].append(line)
        sirens = cls._sirens({r['party'] for r in rows.values()
                if r['donor_type'] == 'company' and not r['donor_siren']})
        money = amount_formatter()
        values = [cls.pdf_values(rows[i], lines[i],
                sirens.get(rows[i]['party']), linked, money) for i in ids]
        signature = association.signature if association else None
        return receipt_pdf.render(
            values, signature=signature, processes=processes)


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

