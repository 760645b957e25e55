"""Any list of the web client to a spreadsheet (XLSX) in French.

Staff export what they see: the columns of the model's list view (those
shown, not the optional ones the user hides), headed by the fields' labels
in the user's language, Many2One as their names, selections as their
labels, dates and numbers as typed cells. "Export List" takes every record
of the list's search (its domain and order, which the web client sends in
the context: static/custom.js), not only the rows loaded. Only what the user
may read: the records through the access rules, the fields through the
field access.
"""
import datetime as dt
from decimal import Decimal

from lxml import etree

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.tools.timezone import get_tzinfo
from trytond.transaction import Transaction, check_access
from trytond.wizard import Button, StateView, Wizard

from .spreadsheet import xlsx_file

# Number formats of the typed cells (Excel shows them in the reader's
# locale: 1 234,50 and 14/03/2026 in French).
DATE_FORMAT = 'DD/MM/YYYY'
DATETIME_FORMAT = 'DD/MM/YYYY HH:MM'
TRUE_VALUES = {'1', 'true', 'True'}


def list_columns(Model):
    """[(field name, label, definition)] of the model's list view as the
    user sees it (fields_view_get applies the field access and the user's
    choice of optional columns)."""
    view = Model.fields_view_get(view_type='tree')
    definitions = view['fields']
    columns, seen = [], set()
    for element in etree.fromstring(view['arch']).iter('field'):
        name = element.get('name')
        if (name not in definitions or name in seen
                or element.get('tree_invisible') in TRUE_VALUES
                or element.get('optional') in TRUE_VALUES):
            continue
        # A date-time is written twice (widgets date and time): one column.
        seen.add(name)
        label = element.get('string') or definitions[name]['string']
        columns.append((name, label, definitions[name]))
    return columns


def cell_value(definition, row, name, tzinfo):
    "The typed value of a cell from a row read with its related names."
    type_ = definition['type']
    value = row.get(name)
    if type_ in {'many2one', 'reference', 'one2one'}:
        related = row.get(name + '.')
        return related['rec_name'] if related else None
    elif type_ in {'one2many', 'many2many'}:
        return ', '.join(r['rec_name'] for r in row.get(name + '.') or [])
    elif type_ == 'selection':
        return row.get(name + ':string') or None
    elif type_ == 'multiselection':
        return ', '.join(row.get(name + ':string') or [])
    elif type_ in {'datetime', 'timestamp'} and value:
        # Stored in UTC: in the user's time zone, as the client shows it.
        return value.replace(tzinfo=dt.timezone.utc).astimezone(
            tzinfo).replace(tzinfo=None)
    elif type_ == 'timedelta' and value is not None:
        return str(value)
    elif type_ in {'binary', 'dict'}:
        return None
    elif type_ == 'float' and isinstance(value, Decimal):
        return float(value)
    return value


def number_format(definition):
    type_ = definition['type']
    if type_ == 'date':
        return DATE_FORMAT
    elif type_ in {'datetime', 'timestamp'}:
        return DATETIME_FORMAT
    elif type_ in {'numeric', 'float'}:
        digits = definition.get('digits')
        if isinstance(digits, (list, tuple)) and isinstance(
                digits[1], int):
            return '#,##0' + ('.' + '0' * digits[1] if digits[1] else '')
        return '#,##0.00'
    elif type_ == 'integer':
        return '0'


def export_rows(Model, ids, columns):
    "The rows of the records, in the order of ids, as the user may read."
    names = []
    for name, _, definition in columns:
        names.append(name)
        if definition['type'] in {
                'many2one', 'reference', 'one2one', 'one2many',
                'many2many'}:
            names.append(name + '.rec_name')
        elif definition['type'] in {'selection', 'multiselection'}:
            names.append(name + ':string')
    tzinfo = get_tzinfo(Transaction().context.get('timezone') or 'UTC')
    for sub_ids in grouped_slice(ids, 1000):
        sub_ids = list(sub_ids)
        with check_access():
            rows = {r['id']: r for r in Model.read(sub_ids, names)}
        for id_ in sub_ids:
            row = rows[id_]
            yield [cell_value(d, row, n, tzinfo) for n, _, d in columns]


class ExportXlsxResult(ModelView):
    __name__ = 'connexion.export.xlsx.result'

    file = fields.Binary("File", filename='filename', readonly=True)
    filename = fields.Char("File Name", readonly=True)
    summary = fields.Text("Summary", readonly=True)


class ExportXlsx(Wizard):
    """The selected records, or every record of the list's search, in an
    XLSX file with the columns of the list (see the module's docstring)."""
    __name__ = 'connexion.export.xlsx'
    # The file is made when the step shows: nothing to ask first.
    start_state = 'result'

    result = StateView('connexion.export.xlsx.result',
        'connexion_asso.export_xlsx_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_result(self, fields):
        pool = Pool()
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        Model = self.model
        context = Transaction().context
        if context.get('export_domain') is not None:
            # The whole list: the web client sends its search (custom.js),
            # having loaded only its first rows.
            with check_access():
                ids = [r.id for r in Model.search(context['export_domain'],
                        order=context.get('export_order'))]
        else:
            ids = [int(i) for i in context.get('active_ids') or []]
            # Each record once (no unsaved one), in the order of the list.
            ids = list(dict.fromkeys(i for i in ids if i >= 0))
        columns = list_columns(Model)
        title = Model.__names__()['model']
        content = xlsx_file(title,
            [label for _, label, _ in columns],
            export_rows(Model, ids, columns),
            [number_format(d) for _, _, d in columns])
        return {
            'file': content,
            'filename': f'{title} {Date.today().isoformat()}.xlsx',
            'summary': gettext('connexion_asso.msg_export_xlsx_summary',
                records=Lang.get().format('%d', len(ids), grouping=True),
                columns=len(columns)),
            }
