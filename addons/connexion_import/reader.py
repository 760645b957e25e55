"""Reading of CSV (any usual encoding and separator) and XLSX files.

Associations send what their old tool exported: UTF-8 or Windows-1252,
';' from a French Excel, ',' elsewhere. Both are detected, never asked.

A file that cannot be read whole raises CleanError with a French message
before anything is written: an import is never done halfway because the
file was corrupt.
"""
import codecs
import csv
import io

from .cleaning import CleanError

SEPARATORS = ';,\t|'
# Zip archives (XLSX) and OLE2 compound files (Excel 97-2003 .xls).
ZIP = b'PK\x03\x04'
OLE = bytes.fromhex('d0cf11e0a1b11ae1')
# Characters no text export holds (all C0 and C1 controls but tab, new
# lines and form feed): more than a few in the first bytes means a binary
# file read as text.
CONTROLS = frozenset(chr(c) for c in [*range(0x09), 0x0b, *range(0x0e, 0x20),
        0x7f, *range(0x80, 0xa0)])
SAMPLE = 4096


class Table:
    "Header and rows of a file; rows are (line number, list of cells)."

    def __init__(self, header, rows, encoding=None, separator=None):
        self.header = header
        self.rows = rows
        self.encoding = encoding
        self.separator = separator


def utf16(data):
    """Encoding of a UTF-16 text (Excel's "Unicode text"), else None: a
    byte order mark, or the NUL bytes of ASCII on every other byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 'utf-16'
    sample = data[:SAMPLE]
    half = len(sample) // 2
    if half and sample[1::2].count(0) > 0.9 * half:
        return 'utf-16-le'
    if half and sample[0::2].count(0) > 0.9 * half:
        return 'utf-16-be'
    return None


def decode(data):
    "Text of the file and its encoding: UTF-8 first, else Windows-1252."
    encoding = utf16(data)
    if encoding:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            raise CleanError('connexion_import.msg_file_unreadable')
    for encoding in ['utf-8-sig', 'cp1252']:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    # Latin-1 decodes any byte: what is not text is found by its controls.
    return data.decode('latin-1'), 'latin-1'


def read_csv(data):
    content, encoding = decode(data)
    sample = content[:SAMPLE]
    if sum(c in CONTROLS for c in sample) > len(sample) // 100 + 1:
        raise CleanError('connexion_import.msg_file_unreadable')
    nul = content.find('\x00')
    if nul >= 0:
        # PostgreSQL stores no NUL in text: refused, never cut silently.
        raise CleanError('connexion_import.msg_file_nul',
            line=content.count('\n', 0, nul) + 1)
    if not content.strip():
        raise CleanError('connexion_import.msg_file_empty')
    sample = content[:20000]
    try:
        separator = csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        first = sample.splitlines()[0]
        separator = max(SEPARATORS, key=first.count)
    reader = csv.reader(io.StringIO(content, newline=''), delimiter=separator)
    rows = []
    header = None
    line = 1
    try:
        for cells in reader:
            if header is None:
                header = cells
            # Excel leaves empty lines at the end.
            elif ''.join(cells).strip():
                rows.append((reader.line_num, cells))
            line = reader.line_num + 1
    except csv.Error:
        # The only error of a non-strict reader on text without NUL: a cell
        # longer than the field limit, mostly a quote never closed.
        raise CleanError('connexion_import.msg_file_cell_too_long',
            line=line, limit=csv.field_size_limit())
    if header is None:
        raise CleanError('connexion_import.msg_file_empty')
    return Table(header, rows, encoding, separator)


def read_xlsx(data):
    import openpyxl
    rows = []
    header = None
    # A corrupt workbook fails anywhere in openpyxl (zip, XML parsers of
    # the standard library or lxml, its own descriptors) with many kinds of
    # exception; a file that cannot be read whole is refused whatever the
    # reason.
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(
                    sheet.iter_rows(values_only=True), 1):
                if header is None:
                    if any(c is not None for c in cells):
                        header = ['' if c is None else str(c) for c in cells]
                    continue
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                rows.append((number, list(cells)))
        finally:
            workbook.close()
    except Exception as exception:
        raise CleanError(
            'connexion_import.msg_file_unreadable') from exception
    # XML cannot hold NUL characters: no check as for CSV.
    if header is None:
        raise CleanError('connexion_import.msg_file_empty')
    return Table(header, rows, 'xlsx', None)


def read(data, filename=''):
    """Table of a CSV or XLSX file, recognised by its content, not its name
    (a CSV whose first column is "PK" is still a CSV)."""
    if data.startswith(ZIP):
        table = read_xlsx(data)
    elif data.startswith(OLE):
        raise CleanError('connexion_import.msg_file_xls')
    else:
        table = read_csv(data)
    if not table.rows:
        raise CleanError('connexion_import.msg_file_no_rows')
    return table
