"""Tax receipts (reçus fiscaux, CERFA 11580 and 16216): numbered without
gaps per year of issue, frozen copies of the gifts they cover, never deleted
(cancel-and-replace keeps the trail)."""
import datetime as dt
import time
from collections import defaultdict
from decimal import Decimal

from sql import Column, Literal, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.config import config
from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields)
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.report import Report
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from connexion_asso.formatting import (
    format_amount, format_date, format_duration, french)
from connexion_asso.workflow import TransitionOnlyMixin

from .donation import FORMS, NATURES, PAYMENT_METHODS
from .exceptions import ReceiptCancelError, ReceiptRefusedError
from . import receipt_pdf
from .words import amount_to_words

# Records browsed (or read with function fields) at once: each instance
# checks the whole id list of its browse, which is quadratic.
BROWSE = 200
# A membership fee is neither of the forms of a gift.
LINE_FORMS = FORMS + [('membership', "Membership Fee")]

FROZEN = {'company', 'number', 'year', 'sequence', 'kind', 'party',
    'donor_type', 'donor_name', 'donor_address', 'donor_siren',
    'donor_legal_form', 'issue_date', 'date_start',
    'date_end', 'amount', 'currency', 'lines', 'cerfa', 'association_name',
    'association_address', 'association_rna', 'association_siren',
    'association_purpose', 'association_quality', 'rate_text', 'signatory'}
# What a receipt printed before its printed values were stored (legacy
# rows): the CERFA version then in use.
LEGACY_CERFA = {'individual': '11580*05', 'company': '16216*01'}
# The printed values stored at issue.
PRINTED_FIELDS = ['cerfa', 'association_name', 'association_address',
    'association_rna', 'association_siren', 'association_purpose',
    'association_quality', 'rate_text', 'signatory']
# The CERFA versions in force (2041-RD and 2041-MEC-SD).
CERFA = {'individual': '11580*05', 'company': '16216*02'}


# Wording of the CERFA boxes.
PRINTED_FORMS = [
    ('authentic', "Acte authentique"),
    ('private', "Acte sous seing privé"),
    ('manual', "Déclaration de don manuel"),
    ('other', "Autres"),
    ]
# A membership fee without counterpart is printed as "Autres: cotisation".
MEMBERSHIP_FORM = "Autres : cotisation sans contrepartie"
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


def association_printed(association):
    "The association's identity as a receipt prints (and stores) it."
    return {
        'association_name': association.name,
        'association_address': association.full_address or '',
        'association_rna': association.rna or None,
        'association_siren': association.siren or None,
        'association_purpose': association.purpose or '',
        'association_quality': association_quality(association),
        'signatory': ', '.join(filter(None, [
                    association.signatory_name,
                    association.signatory_function])),
        }


def association_quality(association):
    "The quality of the association as printed on its receipts."
    if association.public_utility:
        return ("association ou fondation reconnue d'utilité publique par "
            "décret en date du "
            f"{format_date(association.public_utility_decree_date)}, publié "
            f"au Journal officiel : {association.public_utility_journal}")
    return "œuvre ou organisme d'intérêt général"


class Receipt(TransitionOnlyMixin, Workflow, ModelSQL, ModelView):
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
    donor_siren = fields.Char(
        "Donor SIREN", readonly=True,
        states={'invisible': Eval('donor_type') != 'company'})
    donor_legal_form = fields.Char(
        "Donor Legal Form", readonly=True,
        states={'invisible': Eval('donor_type') != 'company'})
    issue_date = fields.Date("Issue Date", required=True, readonly=True)
    cerfa = fields.Char("CERFA", readonly=True)
    association_name = fields.Char("Association", readonly=True)
    association_address = fields.Text("Association Address", readonly=True)
    association_rna = fields.Char("Association RNA", readonly=True)
    association_siren = fields.Char("Association SIREN", readonly=True)
    association_purpose = fields.Text("Association Purpose", readonly=True)
    association_quality = fields.Text(
        "Association Quality", readonly=True,
        help="General interest or public utility (with its decree), as "
        "printed.")
    rate_text = fields.Text(
        "Tax Reduction", readonly=True,
        help="The reduction wording printed, as in force at issue.")
    signatory = fields.Char("Signatory", readonly=True)
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
    memberships = fields.One2Many(
        'connexion.membership', 'receipt', "Membership Fees", readonly=True)
    state = fields.Selection([
            ('issued', "Issued"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True)
    replaced_by = fields.Many2One(
        'connexion.donation.receipt', "Replaced by", readonly=True)
    replaces = fields.Many2One(
        'connexion.donation.receipt', "Replaces", readonly=True,
        states={'invisible': ~Eval('replaces')},
        help="The cancelled receipt this one replaces (printed on it).")
    cancel_reason = fields.Text(
        "Cancellation Reason",
        states={'readonly': Eval('state') != 'issued'},
        help="Required to cancel or replace the receipt; printed on the "
        "cancelled receipt.")
    cancel_date = fields.Date(
        "Cancellation Date", readonly=True,
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
    def _transition_fields(cls):
        "Cancelling and replacing a receipt link it to its successor."
        return super()._transition_fields() | {
            'replaced_by', 'replaces', 'cancel_date'}

    @classmethod
    def _state_locked_fields(cls):
        "The reason of a cancellation stays as it was printed."
        locked = super()._state_locked_fields()
        locked['cancel_reason'] = {'issued'}
        return locked

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
        """The next count numbers of the year, drawn at once; the table is
        locked by issue."""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cursor.execute(*table.select(Max(table.sequence),
                where=(table.company == company) & (table.year == year)))
        last, = cursor.fetchone()
        last = last or 0
        return range(last + 1, last + 1 + count)

    @classmethod
    def _receipted_models(cls):
        """{model name: field of the receipt line}: what a receipt covers
        (gifts, and membership fees without counterpart)."""
        return {
            'connexion.donation': 'donation',
            'connexion.membership': 'membership',
            }

    @classmethod
    def _read_receiptables(cls, model_name, ids):
        """{id: values} of the gifts (or fees) to receipt, read in SQL once
        the table is locked, with the state of their current receipt."""
        pool = Pool()
        Model = pool.get(model_name)
        Party = pool.get('party.party')
        table, receipt = Model.__table__(), cls.__table__()
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        columns = [table.id, table.company, table.party, table.currency,
            table.date, table.amount, table.state, table.payment_method,
            receipt.number.as_('receipt_number'),
            receipt.state.as_('receipt_state')]
        if model_name == 'connexion.donation':
            columns += [table.donor_type, table.form, table.nature,
                table.in_kind_description]
            from_ = table.join(receipt, 'LEFT',
                condition=table.receipt == receipt.id)
        else:
            Type = pool.get('connexion.membership.type')
            type_ = Type.__table__()
            columns += [party.donor_type,
                type_.with_counterpart.as_('with_counterpart')]
            from_ = table.join(receipt, 'LEFT',
                condition=table.receipt == receipt.id
                ).join(party, condition=table.party == party.id
                ).join(type_, condition=table.type == type_.id)
        result = {}
        for sub_ids in grouped_slice(ids, 1000):
            cursor.execute(*from_.select(*columns,
                    where=reduce_ids(table.id, list(sub_ids))))
            names = [c[0] for c in cursor.description]
            for row in cursor:
                row = dict(zip(names, row))
                if model_name == 'connexion.membership':
                    row.update(form='membership', nature='cash',
                        in_kind_description=None)
                row['donor_type'] = row['donor_type'] or 'individual'
                result[row['id']] = row
        return result

    @classmethod
    def _check_receiptable(cls, model_name, row):
        "Refuse what is not validated, already receipted or not a gift."
        Model = Pool().get(model_name)
        if model_name == 'connexion.donation':
            name, not_validated = 'donation', 'msg_receipt_not_validated'
        else:
            name, not_validated = 'membership', 'msg_membership_not_validated'
        if row['state'] != 'validated':
            raise ValidationError(gettext(
                    f'connexion_donation.{not_validated}',
                    **{name: Model(row['id']).rec_name}))
        if row['receipt_state'] == 'issued':
            raise ValidationError(gettext(
                    f'connexion_donation.msg_{name}_receipted',
                    receipt=row['receipt_number'],
                    **{name: Model(row['id']).rec_name}))
        if row.get('with_counterpart'):
            raise ValidationError(gettext(
                    'connexion_donation.msg_membership_counterpart',
                    membership=Model(row['id']).rec_name))

    @classmethod
    def _donors(cls, party_ids):
        """{party id: donor values} (name, address, its missing parts, SIREN
        and legal form), read in SQL by chunks; the addresses are formatted
        by party.address on unsaved instances (no query per donor)."""
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        names = [n for n, f in Address._fields.items()
            if not hasattr(f, 'set') and n not in {
                'id', 'create_uid', 'create_date', 'write_uid',
                'write_date', 'party'}]
        result = {}
        for sub_ids in grouped_slice(sorted(party_ids), BROWSE):
            sub_ids = list(sub_ids)
            for row in Party.read(sub_ids, ['full_name', 'legal_form']):
                result[row['id']] = {
                    'name': row['full_name'],
                    'address': None,
                    'address_missing': ['street', 'postal_code', 'city'],
                    'legal_form': (row['legal_form'] or '').strip() or None,
                    'siren': None,
                    }
            seen = set()
            for row in Address.search_read([('party', 'in', sub_ids)],
                    fields_names=names + ['party']):
                party_id = row.pop('party')
                if party_id in seen:
                    continue
                seen.add(party_id)
                del row['id']
                address = Address(**row)
                address.street = address.on_change_with_street()
                missing = [n for n in ['street', 'postal_code', 'city']
                    if not (getattr(address, n, None) or '').strip()]
                if 'postal_code' in missing and address.country and (
                        address.country.code != 'FR'):
                    # Not every country has postal codes.
                    missing.remove('postal_code')
                result[party_id].update(
                    address=address.get_full_address('full_address'),
                    address_missing=missing)
            for row in Identifier.search_read([
                        ('party', 'in', sub_ids),
                        ('type', 'in', ['fr_siren', 'fr_siret']),
                        ], order=[('id', 'ASC')],
                    fields_names=['party', 'code']):
                result[row['party']]['siren'] = ''.join(
                    c for c in row['code'] or '' if c.isdigit())[:9]
        return result

    @classmethod
    def _check_association(cls):
        """The association may issue receipts (general interest or public
        utility with its decree): otherwise any receipt is irregular."""
        Association = Pool().get('connexion.association')
        association = Association.get_singleton()
        if not association or not (
                association.general_interest or association.public_utility):
            raise ReceiptRefusedError(gettext(
                    'connexion_donation.msg_receipt_no_quality'))
        if association.public_utility and not (
                association.public_utility_decree_date
                and (association.public_utility_journal or '').strip()):
            raise ReceiptRefusedError(gettext(
                    'connexion_donation.msg_receipt_public_utility_decree'))
        return association

    @classmethod
    def _printed_values(cls, association):
        """{donor type: values} of the settings printed on a receipt, stored
        at issue so that a reprint is the same document (the reduction
        wording depends on the dates of the gifts: see _issue)."""
        values = association_printed(association)
        return {t: dict(values, cerfa=CERFA[t])
            for t in ['individual', 'company']}

    @classmethod
    def _check_donor(cls, donor, donor_type):
        """The mandatory mentions about the donor: full postal address, and
        the SIREN and legal form of a company (CERFA 16216)."""
        pool = Pool()
        Address = pool.get('party.address')
        Party = pool.get('party.party')
        missing = [Address.__names__(n)['field']
            for n in donor['address_missing']]
        if donor_type == 'company':
            if not donor['siren']:
                missing.append(gettext('connexion_donation.msg_siren'))
            if not donor['legal_form']:
                missing.append(Party.__names__('legal_form')['field'])
        if missing:
            raise ReceiptRefusedError(gettext(
                    'connexion_donation.msg_receipt_donor_incomplete',
                    donor=donor['name'], missing=', '.join(missing)))

    @staticmethod
    def _insert(Model, vlist):
        """Create the rows in SQL, by chunks, with the defaults of the other
        stored fields: the values come from checked rows, and the ORM's
        per-record validation would cost minutes for a year of receipts."""
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = Model.__table__()
        names = list(vlist[0])
        others = [n for n, f in Model._fields.items()
            if n not in names and not hasattr(f, 'set')
            and n not in {'id', 'create_uid', 'create_date', 'write_uid',
                'write_date'}]
        defaults = Model.default_get(others, with_rec_name=False)
        names += [n for n in others if defaults.get(n) is not None]
        columns = [Column(table, n) for n in names] + [
            table.create_uid, table.create_date]
        now = dt.datetime.now()
        size = max(1, backend.MAX_QUERY_PARAMS // len(columns))
        for start in range(0, len(vlist), size):
            cursor.execute(*table.insert(columns, [
                        [Model._fields[n].sql_format(v.get(n, defaults.get(n)))
                            for n in names] + [transaction.user, now]
                        for v in vlist[start:start + size]]))

    @classmethod
    def issue(cls, groups, kind='gift', date=None):
        """One receipt per group of validated gifts (or membership fees
        without counterpart) of one donor.

        The table lock serialises issuing: two users generating receipts at
        the same time get consecutive numbers, and a rolled back generation
        leaves no gap. Set-based: everything is read in SQL, numbers are
        drawn at once, receipts and lines created and the gifts linked by
        chunks (no per-gift query), so a year of receipts takes seconds."""
        groups = [[(r.__name__, r.id) for r in g] for g in groups if g]
        return cls._issue(groups, kind=kind, date=date)

    @classmethod
    def _issue(cls, groups, kind='gift', date=None):
        "issue with groups of (model name, id)."
        pool = Pool()
        Date = pool.get('ir.date')
        Line = pool.get('connexion.donation.receipt.line')
        transaction = Transaction()
        groups = [g for g in groups if g]
        if not groups:
            return []
        association = cls._check_association()
        printed = cls._printed_values(association)
        configuration = pool.get('connexion.donation.configuration')(1)
        cls.lock()
        date = date or Date.today()
        models = cls._receipted_models()
        rows = {}
        for model_name in models:
            ids = {i for g in groups for m, i in g if m == model_name}
            for id_, row in cls._read_receiptables(
                    model_name, list(ids)).items():
                rows[(model_name, id_)] = row
        by_company = defaultdict(list)
        for group in groups:
            group = sorted(group,
                key=lambda k: (rows[k]['date'], k[0] != 'connexion.donation',
                    k[1]))
            first = rows[group[0]]
            for key in group:
                row = rows[key]
                cls._check_receiptable(key[0], row)
                if (row['party'], row['company'], row['currency']) != (
                        first['party'], first['company'], first['currency']):
                    raise ValidationError(gettext(
                            'connexion_donation.msg_receipt_one_donor'))
            by_company[first['company']].append(group)
        donors = cls._donors({rows[g[0]]['party'] for g in groups})
        for group in groups:
            first = rows[group[0]]
            cls._check_donor(donors[first['party']], first['donor_type'])

        to_create, created_groups = [], []
        for company, company_groups in by_company.items():
            sequences = cls._next_sequences(
                company, date.year, len(company_groups))
            for group, sequence in zip(company_groups, sequences):
                first = rows[group[0]]
                donor = donors[first['party']]
                name, address = donor['name'], donor['address']
                to_create.append({
                        'company': company,
                        'year': date.year,
                        'sequence': sequence,
                        'number': f"{date.year}-{sequence:05d}",
                        'kind': kind,
                        'party': first['party'],
                        'donor_type': first['donor_type'],
                        'donor_name': name,
                        'donor_address': address,
                        'donor_siren': donor['siren']
                        if first['donor_type'] == 'company' else None,
                        'donor_legal_form': donor['legal_form']
                        if first['donor_type'] == 'company' else None,
                        'issue_date': date,
                        'date_start': min(rows[k]['date'] for k in group),
                        'date_end': max(rows[k]['date'] for k in group),
                        'amount': sum(
                            (rows[k]['amount'] for k in group), Decimal(0)),
                        'currency': first['currency'],
                        **printed[first['donor_type']],
                        })
                # The rules in force on the dates of its gifts.
                to_create[-1]['rate_text'] = configuration.rate_text(
                    first['donor_type'], to_create[-1]['date_start'],
                    to_create[-1]['date_end'])
                created_groups.append(group)

        cls._insert(cls, to_create)
        # The ids of the new receipts, by number (unique per company).
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        by_number = {}
        for company in by_company:
            numbers = [v['sequence'] for v in to_create
                if v['company'] == company]
            cursor.execute(*table.select(table.number, table.id,
                    where=(table.company == company)
                    & (table.year == date.year)
                    & (table.sequence >= min(numbers))
                    & (table.sequence <= max(numbers))))
            by_number.update({(company, n): i for n, i in cursor})
        receipt_ids = [by_number[(v['company'], v['number'])]
            for v in to_create]
        lines = []
        for receipt_id, group in zip(receipt_ids, created_groups):
            for key in group:
                lines.append(dict(
                        Line.values_from_row(models[key[0]], rows[key]),
                        receipt=receipt_id))
        fields = list(models.values())
        for line in lines:
            for field in fields:
                line.setdefault(field, None)
        cls._insert(Line, lines)
        cls._link(models, receipt_ids)
        # Gifts and fees changed in SQL: forget what was read of them.
        transaction.counter += 1
        for cache in transaction.cache.values():
            for model_name in models:
                cache.pop(model_name, None)
        return cls.browse_chunked(receipt_ids)

    @classmethod
    def _link(cls, models, receipt_ids):
        """Point the gifts and fees of the lines of the receipts to their
        receipt, in one UPDATE per model."""
        pool = Pool()
        Line = pool.get('connexion.donation.receipt.line')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        line = Line.__table__()
        for model_name, field in models.items():
            table = pool.get(model_name).__table__()
            column = getattr(line, field)
            cursor.execute(*table.update(
                    [table.receipt, table.write_uid, table.write_date],
                    [line.select(line.receipt,
                            where=(column == table.id)
                            & reduce_ids(line.receipt, receipt_ids)),
                        transaction.user, CurrentTimestamp()],
                    where=table.id.in_(line.select(column,
                            where=reduce_ids(line.receipt, receipt_ids)))))

    @classmethod
    def browse_chunked(cls, ids):
        """browse, by chunks: each instance of a browse checks the whole id
        list, which is quadratic for a year of receipts."""
        return [r for sub_ids in grouped_slice(ids, BROWSE)
            for r in cls.browse(list(sub_ids))]

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, receipts):
        """The number stays used, the reason and date are kept and printed;
        the gifts are released for a new receipt."""
        pool = Pool()
        Date = pool.get('ir.date')
        for receipt in receipts:
            if not (receipt.cancel_reason or '').strip():
                raise ReceiptCancelError(gettext(
                        'connexion_donation.msg_receipt_cancel_reason',
                        receipt=receipt.number))
        cls.write(receipts, {'cancel_date': Date.today()})
        for model_name in cls._receipted_models():
            Model = pool.get(model_name)
            records = Model.search([('receipt', 'in', [r.id for r in receipts])])
            if records:
                Model.write(records, {'receipt': None})

    def _covered(self):
        "The gifts and fees of the receipt, as (model name, id)."
        return [(r.__name__, r.id)
            for r in list(self.donations) + list(self.memberships)]

    @classmethod
    @ModelView.button
    def replace(cls, receipts):
        """Cancel and issue a new receipt for the same gifts (e.g. after a
        correction of the donor's address); the old one points to the new."""
        groups = [r._covered() for r in receipts]
        kinds = [r.kind for r in receipts]
        cls.cancel(receipts)
        for receipt, group, kind in zip(receipts, groups, kinds):
            if not group:
                continue
            new, = cls._issue([group], kind=kind)
            cls.write([receipt], {'replaced_by': new.id})
            cls.write([new], {'replaces': receipt.id})

    # Values printed on the receipt

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

    @staticmethod
    def pdf_values(row, lines, siren, linked=None):
        """What the PDF prints for a receipt read as a dict (with its stored
        printed values), its lines (dicts, in order) and the receipts it
        replaces or is replaced by ({id: dict}), as plain values (see
        receipt_pdf)."""
        linked = linked or {}
        lang = french()
        company = row['donor_type'] == 'company'
        forms = {l['form'] for l in lines}
        printed_forms = PRINTED_FORMS
        if 'membership' in forms:
            forms = (forms - {'membership'}) | {'other'}
            printed_forms = [(k, MEMBERSHIP_FORM if k == 'other' else v)
                for k, v in PRINTED_FORMS]
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
            'amount_figures': f"***{format_amount(row['amount'], lang=lang)}***",
            'amount_words': amount_to_words(row['amount']),
            'kind': row['kind'],
            'date_start': format_date(row['date_start']),
            'date_end': format_date(row['date_end']),
            'lines': [[format_date(l['date'], lang),
                    "Cotisation" if l['form'] == 'membership'
                    else dict(PRINTED_NATURES)[l['nature']],
                    PRINTED_METHODS.get(l['payment_method']) or '–',
                    format_amount(l['amount'], lang=lang)]
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
        [connexion_donation] receipt_processes setting, else 1). A receipt
        prints what was stored at its issue: a reprint is the same
        document, whatever the settings became."""
        pool = Pool()
        Association = pool.get('connexion.association')
        Config = pool.get('connexion.donation.configuration')
        Line = pool.get('connexion.donation.receipt.line')
        Identifier = pool.get('party.identifier')
        if processes is None:
            processes = config.getint(
                'connexion_donation', 'receipt_processes', default=1)
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
        sirens = {}
        companies = [r['party'] for r in rows.values()
            if r['donor_type'] == 'company' and not r['donor_siren']]
        if companies:
            for identifier in Identifier.search([
                        ('party', 'in', companies),
                        ('type', 'in', ['fr_siren', 'fr_siret']),
                        ], order=[('id', 'DESC')]):
                sirens[identifier.party.id] = ''.join(
                    c for c in identifier.code if c.isdigit())[:9]
        values = [cls.pdf_values(rows[i], lines[i],
                sirens.get(rows[i]['party']), linked) for i in ids]
        signature = association.signature if association else None
        return receipt_pdf.render(
            values, signature=signature, processes=processes)


class ReceiptLine(ModelSQL, ModelView):
    __name__ = 'connexion.donation.receipt.line'

    receipt = fields.Many2One(
        'connexion.donation.receipt', "Receipt", required=True,
        ondelete='CASCADE')
    donation = fields.Many2One(
        'connexion.donation', "Donation", ondelete='RESTRICT',
        states={'invisible': ~Eval('donation')})
    membership = fields.Many2One(
        'connexion.membership', "Membership", ondelete='RESTRICT',
        states={'invisible': ~Eval('membership')},
        help="A membership fee without counterpart, receipted like a gift.")
    date = fields.Date("Date", required=True)
    amount = fields.Numeric("Amount", digits=(16, 2), required=True)
    form = fields.Selection(LINE_FORMS, "Form", required=True)
    nature = fields.Selection(NATURES, "Nature", required=True)
    payment_method = fields.Selection(PAYMENT_METHODS, "Payment Method")
    in_kind_description = fields.Text("Description of the Goods")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('receipt')
        t = cls.__table__()
        # Issuing links the gifts through their lines (Receipt._link).
        cls._sql_indexes.update({
                Index(t, (t.donation, Index.Equality())),
                Index(t, (t.membership, Index.Equality())),
                })
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def values_from_row(cls, field, row):
        """Frozen copy of a gift or fee (field: 'donation' or 'membership')
        read by Receipt._read_receiptables."""
        return {
            field: row['id'],
            'date': row['date'],
            'amount': row['amount'],
            'form': row['form'],
            'nature': row['nature'],
            'payment_method': row['payment_method'],
            'in_kind_description': row['in_kind_description'],
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
    __name__ = 'connexion.donation.receipt.generate.start'

    year = fields.Integer("Year of the Gifts", required=True)
    issue_date = fields.Date("Issue Date", required=True)

    @staticmethod
    def default_year():
        return Pool().get('ir.date').today().year - 1

    @staticmethod
    def default_issue_date():
        return Pool().get('ir.date').today()


class GenerateDone(ModelView):
    __name__ = 'connexion.donation.receipt.generate.done'

    summary = fields.Text("Summary", readonly=True)
    # Kept in the session for the button that opens them (not in the view).
    receipts = fields.Many2Many(
        'connexion.donation.receipt', None, None, "Receipts", readonly=True)


class Generate(Wizard):
    """Receipts for every gift of a year not yet receipted: one per donor for
    annual receipts, one per gift for the others, none when refused. Ends
    by saying what it issued and how long it took."""
    __name__ = 'connexion.donation.receipt.generate'

    start = StateView('connexion.donation.receipt.generate.start',
        'connexion_donation.receipt_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateTransition()
    done = StateView('connexion.donation.receipt.generate.done',
        'connexion_donation.receipt_generate_done_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Open the Receipts", 'open_', 'tryton-forward',
                default=True),
            ])
    open_ = StateAction('connexion_donation.act_receipt_form')

    @classmethod
    def groups(cls, year):
        """Groups of gifts (and membership fees without counterpart) to
        receipt for the year, by donor preference, read in SQL."""
        annual, per_gift = cls.keys(year)
        return ([cls._records(g) for g in annual],
            [cls._records(g) for g in per_gift])

    @staticmethod
    def _records(keys):
        pool = Pool()
        return [pool.get(m)(i) for m, i in keys]

    @classmethod
    def keys(cls, year):
        "groups as lists of (model name, id), for Receipt._issue."
        pool = Pool()
        Party = pool.get('party.party')
        Type = pool.get('connexion.membership.type')
        party = Party.__table__()
        type_ = Type.__table__()
        cursor = Transaction().connection.cursor()
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        rows = []
        for model_name in ['connexion.donation', 'connexion.membership']:
            table = pool.get(model_name).__table__()
            where = ((table.state == 'validated')
                & (table.receipt == Null)
                & (table.date >= start) & (table.date <= end))
            from_ = table.join(party, condition=table.party == party.id)
            if model_name == 'connexion.membership':
                from_ = from_.join(type_, condition=table.type == type_.id)
                where &= ((type_.with_counterpart == Null)
                    | (type_.with_counterpart == Literal(False)))
                where &= table.amount > 0
            cursor.execute(*from_.select(
                    table.party, table.company, table.currency, table.date,
                    table.id, party.receipt_preference, where=where))
            rows.extend((p, c, cur, d, model_name != 'connexion.donation',
                    i, model_name, pref) for p, c, cur, d, i, pref in cursor)
        rows.sort(key=lambda r: r[:6])
        annual, per_gift = defaultdict(list), []
        for party_id, company, currency, _, _, id_, model_name, preference \
                in rows:
            preference = preference or 'annual'
            if preference == 'none':
                continue
            if preference == 'gift':
                per_gift.append([(model_name, id_)])
            else:
                annual[(party_id, company, currency)].append(
                    (model_name, id_))
        return list(annual.values()), per_gift

    def transition_generate(self):
        Receipt = Pool().get('connexion.donation.receipt')
        started = time.monotonic()
        annual, per_gift = self.keys(self.start.year)
        annual_receipts = Receipt._issue(
            annual, kind='annual', date=self.start.issue_date)
        gift_receipts = Receipt._issue(
            per_gift, kind='gift', date=self.start.issue_date)
        receipts = annual_receipts + gift_receipts
        self.done.receipts = receipts
        self.done.summary = gettext(
            'connexion_donation.msg_receipt_generate_done',
            year=self.start.year,
            receipts=len(receipts), annual=len(annual_receipts),
            gift=len(gift_receipts),
            gifts=sum(len(g) for g in annual + per_gift),
            amount=format_amount(sum(r.amount for r in receipts)),
            duration=format_duration(time.monotonic() - started))
        return 'done'

    def default_done(self, fields):
        return {
            'summary': self.done.summary,
            'receipts': [r.id for r in self.done.receipts],
            }

    def do_open_(self, action):
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [r.id for r in self.done.receipts])])
        return action, {}
