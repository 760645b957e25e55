"""CSV files for spreadsheet programs, safe from formula injection.

Excel and LibreOffice run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula when they open a CSV file: ``=HYPERLINK(...)`` sends the
other cells to a foreign site, ``=cmd|...`` (DDE) starts a program. A tab or
a carriage return in front is skipped by some of them, and some trim spaces,
so these count too. Every CSV the product writes goes through ``writer`` or
``csv_file``: a text cell starting so gets a leading single quote (OWASP's
advice), which spreadsheets show as text. Numbers given as numbers (int,
Decimal, float) are written as numbers: a negative amount stays a number,
and a number cannot hold a formula.
"""
import csv
import io
from decimal import Decimal

FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def safe_cell(value, decimal_separator=','):
    "Text of a cell that no spreadsheet runs as a formula."
    if value is None:
        return ''
    if isinstance(value, (int, float, Decimal)) and not isinstance(
            value, bool):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a workbook's 612345678.0
        return str(value).replace('.', decimal_separator)
    value = str(value)
    if value.startswith(FORMULA_STARTS) or value.lstrip().startswith(
            FORMULA_STARTS):
        return "'" + value
    return value


class writer:
    "A csv.writer whose every cell goes through safe_cell."

    def __init__(self, stream, decimal_separator=',', **fmtparams):
        self._writer = csv.writer(stream, **fmtparams)
        self.decimal_separator = decimal_separator

    def writerow(self, row):
        return self._writer.writerow(
            [safe_cell(v, self.decimal_separator) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_file(rows):
    """CSV as French spreadsheets open it: ';' separated, decimal comma,
    UTF-8 with a BOM (without it Excel shows the accents wrong)."""
    output = io.StringIO()
    writer(output, delimiter=';').writerows(rows)
    return ('\ufeff' + output.getvalue()).encode('utf-8')


def xlsx_file(title, headers, rows, formats=None):
    """An XLSX workbook of one sheet: headers in bold, frozen, then the rows
    as typed cells (numbers, dates, booleans stay so; formats: a number
    format per column, or None). A text cell is always text: one starting
    as a formula (see FORMULA_STARTS) is written as a string with Excel's
    own text marker (quotePrefix), never as a formula, its value intact."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    formats = formats or [None] * len(headers)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    sheet.freeze_panes = 'A2'
    for index, header in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, min(len(str(header)) + 4, 50))
    bold = Font(bold=True)

    def cell(value, number_format=None):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub('', value)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = 's'
            if value.lstrip().startswith(FORMULA_STARTS) or (
                    value.startswith(FORMULA_STARTS)):
                cell.quotePrefix = True
        elif number_format and value is not None:
            cell.number_format = number_format
        return cell

    header_cells = []
    for header in headers:
        c = cell(str(header))
        c.font = bold
        header_cells.append(c)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([cell(v, f) for v, f in zip(row, formats)])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def sheet_title(title):
    "A sheet name Excel accepts: 31 characters, none of []:*?/\\."
    for char in '[]:*?/\\':
        title = title.replace(char, ' ')
    return title.strip()[:31] or 'Export'
