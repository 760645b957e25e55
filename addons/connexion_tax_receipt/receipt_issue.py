"""Issuing tax receipts: set-based, from the validated gifts (and what
other modules receipt like gifts: membership fees) of a donor, with the
mandatory mentions checked and the printed values stored; replacing a
receipt cancels it and issues a new one for the same gifts."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from sql import Column
from sql.aggregate import Max
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction

from connexion_asso.formatting import format_date

from .exceptions import ReceiptRefusedError
from .receipt import BROWSE

# The CERFA versions in force (2041-RD and 2041-MEC-SD).
CERFA = {'individual': '11580*05', 'company': '16216*02'}


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


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'replace': {
                    'invisible': Eval('state') != 'issued',
                    'depends': ['state'],
                    },
                })

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
    def _read_receiptables(cls, model_name, ids):
        """{id: values} of the gifts (or fees) to receipt, read in SQL once
        the table is locked, with the state of their current receipt."""
        table = Pool().get(model_name).__table__()
        receipt = cls.__table__()
        cursor = Transaction().connection.cursor()
        columns = [table.id, table.company, table.party, table.currency,
            table.date, table.amount, table.state, table.payment_method,
            receipt.number.as_('receipt_number'),
            receipt.state.as_('receipt_state')]
        from_ = table.join(receipt, 'LEFT',
            condition=table.receipt == receipt.id)
        from_, columns = cls._receiptable_query(
            model_name, table, from_, columns)
        result = {}
        for sub_ids in grouped_slice(ids, 1000):
            cursor.execute(*from_.select(*columns,
                    where=reduce_ids(table.id, list(sub_ids))))
            names = [c[0] for c in cursor.description]
            for row in cursor:
                row = cls._receiptable_row(model_name, dict(zip(names, row)))
                row['donor_type'] = row['donor_type'] or 'individual'
                result[row['id']] = row
        return result

    @classmethod
    def _receiptable_query(cls, model_name, table, from_, columns):
        """(from, columns) that read the donor type, form, nature and goods
        of the records of model_name (table, joined to its receipt in
        from_); extended by each receipted model's module."""
        if model_name == 'connexion.donation':
            columns = columns + [table.donor_type, table.form, table.nature,
                table.in_kind_description]
        return from_, columns

    @classmethod
    def _receiptable_row(cls, model_name, row):
        "The row read by _receiptable_query completed with what it lacks."
        return row

    @classmethod
    def _check_receiptable(cls, model_name, row):
        "Refuse what is not validated or already receipted."
        Model = Pool().get(model_name)
        if model_name != 'connexion.donation':
            return
        if row['state'] != 'validated':
            raise ReceiptRefusedError(gettext(
                    'connexion_tax_receipt.msg_receipt_not_validated',
                    donation=Model(row['id']).rec_name))
        if row['receipt_state'] == 'issued':
            raise ReceiptRefusedError(gettext(
                    'connexion_tax_receipt.msg_donation_receipted',
                    receipt=row['receipt_number'],
                    donation=Model(row['id']).rec_name))

    @classmethod
    def _donors(cls, party_ids):
        """{party id: donor values} (name, address, its missing parts, SIREN
        and legal form), read in SQL by chunks; the addresses are formatted
        by party.address on unsaved instances (no query per donor)."""
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
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
            for party_id, siren in cls._sirens(sub_ids).items():
                result[party_id]['siren'] = siren
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
                    'connexion_tax_receipt.msg_receipt_no_quality'))
        if association.public_utility and not (
                association.public_utility_decree_date
                and (association.public_utility_journal or '').strip()):
            raise ReceiptRefusedError(gettext(
                    'connexion_tax_receipt.msg_receipt_public_utility_decree'))
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
                missing.append(gettext('connexion_tax_receipt.msg_siren'))
            if not donor['legal_form']:
                missing.append(Party.__names__('legal_form')['field'])
        if missing:
            raise ReceiptRefusedError(gettext(
                    'connexion_tax_receipt.msg_receipt_donor_incomplete',
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
                    raise ReceiptRefusedError(gettext(
                            'connexion_tax_receipt.msg_receipt_one_donor'))
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

    def _covered(self):
        """The gifts (and what other modules receipt) of the receipt, as
        (model name, id)."""
        return [(r.__name__, r.id) for r in self.donations]

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
