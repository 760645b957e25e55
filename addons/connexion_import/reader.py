"""Reading of CSV (any usual encoding and separator) and XLSX files.

Associations send what their old tool exported: UTF-8 or Windows-1252,
';' from a French Excel, ',' elsewhere. Both are detected, never asked.
"""
import csv
import io
import zipfile

from .cleaning import CleanError

SEPARATORS = ';,\t|'


class Table:
    "Header and rows of a file; rows are (line number, list of cells)."

    def __init__(self, header, rows, encoding=None, separator=None):
        self.header = header
        self.rows = rows
        self.encoding = encoding
        self.separator = separator


def decode(data):
    "Text of the file and its encoding: UTF-8 first, else Windows-1252."
    for encoding in ['utf-8-sig', 'cp1252']:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode('latin-1'), 'latin-1'


def read_csv(data):
    if b'\x00' in data[:4096]:
        # UTF-16 exports of Excel or a binary file.
        for encoding in ['utf-16']:
            try:
                content = data.decode(encoding)
                break
            except UnicodeDecodeError:
                pass
        else:
            raise CleanError('connexion_import.msg_file_unreadable')
        encoding = 'utf-16'
    else:
        content, encoding = decode(data)
    if not content.strip():
        raise CleanError('connexion_import.msg_file_empty')
    sample = content[:20000]
    try:
        separator = csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        first = sample.splitlines()[0]
        separator = max(SEPARATORS, key=first.count)
    reader = csv.reader(io.StringIO(content, newline=''), delimiter=separator)
    try:
        header = next(reader)
    except StopIteration:
        raise CleanError('connexion_import.msg_file_empty')
    rows = []
    for cells in reader:
        # Excel leaves empty lines at the end.
        if not ''.join(cells).strip():
            continue
        rows.append((reader.line_num, cells))
    return Table(header, rows, encoding, separator)


def read_xlsx(data):
    import openpyxl
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise CleanError('connexion_import.msg_file_unreadable')
    sheet = workbook.worksheets[0]
    rows = []
    header = None
    for number, cells in enumerate(sheet.iter_rows(values_only=True), 1):
        if header is None:
            if any(c is not None for c in cells):
                header = ['' if c is None else str(c) for c in cells]
            continue
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        rows.append((number, list(cells)))
    workbook.close()
    if header is None:
        raise CleanError('connexion_import.msg_file_empty')
    return Table(header, rows, 'xlsx', None)


def read(data, filename=''):
    "Table of a CSV or XLSX file (XLSX recognised by its content)."
    if data[:2] == b'PK' or (filename or '').lower().endswith('.xlsx'):
        return read_xlsx(data)
    return read_csv(data)
