"""Reading the values of portal forms and URLs, strictly.

Every value a portal page takes from a request goes through one of these
functions before it reaches the ORM or the database: a whole number in a
range written with ASCII digits (``int('²')`` fails where ``'²'.isdigit()``
passes; ``int('١٢')`` is 12), a finite decimal in a range (``Decimal``
reads ``NaN``, ``sNaN``, ``Infinity`` and ``1e999``), a date, a text of
bounded length. They return None for a value that does not fit: the page
says what is expected, in French, with a 4xx. NUL characters, which
PostgreSQL refuses in text, never get this far: the route wrapper answers
400 to a form that carries one (``has_nul``).

After an error a form comes back as typed with each error next to its field
(``Form``, read by the controls of ``templates/portal_fields.html``).

Uploaded receipts are checked by their content (``file_kind``), never by
the name or type the browser announces.
"""
import datetime as dt
import os
import re
import unicodedata
from decimal import Decimal

from trytond.config import config

# Ids and counts are INTEGER columns: 4 bytes on PostgreSQL.
MAX_ID = 2 ** 31 - 1
MAX_INT = 2 ** 31 - 1

_INTEGER = re.compile(r'[0-9]{1,10}')
_DECIMAL = re.compile(r'([0-9]{1,9})(?:[.,]([0-9]{1,9}))?')


def integer(value, minimum=0, maximum=MAX_INT):
    "The whole number written in value, in [minimum, maximum], or None."
    value = (value or '').strip()
    if not _INTEGER.fullmatch(value):
        return None
    number = int(value)
    if not minimum <= number <= maximum:
        return None
    return number


def record_id(value):
    "An id of a record (from a form or a URL), or None."
    if isinstance(value, int):
        return value if 1 <= value <= MAX_ID else None
    return integer(value, 1, MAX_ID)


def decimal(value, minimum, maximum, digits=2):
    """The decimal written in value ('2,5' or '2.5'), in [minimum, maximum]
    and with at most digits decimals, or None."""
    # Digits grouped by spaces, as French phones type them (1 000,50).
    for space in ' \u00a0\u202f':
        value = (value or '').replace(space, '')
    match = _DECIMAL.fullmatch(value)
    if not match:
        return None
    units, decimals = match.groups()
    decimals = (decimals or '').rstrip('0')
    if len(decimals) > digits:
        return None
    number = Decimal(f'{units}.{decimals or 0}')
    if not minimum <= number <= maximum:
        return None
    return number


_FRENCH_DATE = re.compile(
    r'([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})')
_ISO_DATE = re.compile(r'([0-9]{4})-([0-9]{2})-([0-9]{2})')


def date(value, minimum=None, maximum=None):
    """The date typed the French way (jj/mm/aaaa, also with '.' or '-', day
    and month on one digit) or ISO (AAAA-MM-JJ, as <input type=date>
    sends it), or None."""
    value = (value or '').strip()
    match = _FRENCH_DATE.fullmatch(value)
    if match:
        day, month, year = match.groups()
    else:
        match = _ISO_DATE.fullmatch(value)
        if not match:
            return None
        year, month, day = match.groups()
    try:
        result = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if minimum and result < minimum or maximum and result > maximum:
        return None
    return result


def text(value, max_length, multiline=False):
    """The text without surrounding blanks nor control characters (line
    breaks kept if multiline), None if empty; cut at max_length."""
    value = value or ''
    keep = '\n' if multiline else ''
    value = ''.join(c for c in value.replace('\r\n', '\n')
        if c in keep or unicodedata.category(c) != 'Cc')
    value = value.strip()[:max_length].strip()
    return value or None


def has_nul(request):
    "Whether a value or a name of the request's query or form holds NUL."
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if '\x00' in key or '\x00' in value:
                return True
    for key, upload in request.files.items(multi=True):
        if '\x00' in key or '\x00' in (upload.filename or ''):
            return True
    return False


# Forms: shown again as typed after an error, each error next to its field
# (GOV.UK's pattern: label, hint, error, control; aria-describedby and
# aria-invalid for screen readers; a summary with links at the top).

TYPED_MAX = 10000
DATE_EXAMPLE = dt.date(2026, 3, 14)
DATE_PATTERN = (r'\s*([0-9]{1,2}(/|\.|-)[0-9]{1,2}(/|\.|-)[0-9]{4}'
    r'|[0-9]{4}-[0-9]{2}-[0-9]{2})\s*')


class Form:
    """What a portal form was sent with and what is wrong with it.

    values: the request's form (None when the form is shown empty); files:
    the request's files (a browser cannot fill a file input again)."""

    def __init__(self, values=None, files=None):
        self.values = values
        self.files = files
        self.errors = {}

    @property
    def sent(self):
        return self.values is not None

    def get(self, name, default=''):
        "What was typed in the field (bounded), else default."
        value = self.values.get(name) if self.values is not None else None
        return default if value is None else value[:TYPED_MAX]

    def checked(self, name, default=False):
        "Whether the checkbox was ticked (default when not sent)."
        return self.get(name) == 'on' if self.sent else default

    def error(self, name, message):
        """Record message next to the field name ('' for the whole form);
        the first error of a field is the one shown."""
        self.errors.setdefault(name, message)

    def file_sent(self, name):
        upload = self.files.get(name) if self.files else None
        return bool(upload and (upload.filename or upload.content_length))

    def attributes(self, name, attrs=None, hint=False, note=False):
        """The attributes of the field's control (py:attrs): attrs, then
        aria-describedby (its hint, error and note) and aria-invalid."""
        described = [f'{name}-aide'] if hint else []
        if name in self.errors:
            described.append(f'{name}-erreur')
        if note:
            described.append(f'{name}-note')
        attributes = {k.rstrip('_').replace('_', '-'): v
            for k, v in (attrs or {}).items()}
        attributes['aria-describedby'] = ' '.join(described) or None
        attributes['aria-invalid'] = 'true' if name in self.errors else None
        return attributes

    def selected(self, name, value, default=''):
        "Whether value is the option chosen in the select name."
        return str(value) == str(self.get(name, default))


# Uploaded receipts: photos and PDF only, recognised by their first bytes.

RECEIPT_KINDS = {
    'jpeg': ('.jpg', 'image/jpeg'),
    'png': ('.png', 'image/png'),
    'webp': ('.webp', 'image/webp'),
    'heic': ('.heic', 'image/heic'),
    'pdf': ('.pdf', 'application/pdf'),
    }
_HEIC_BRANDS = {b'heic', b'heix', b'hevc', b'hevx', b'heim', b'heis',
    b'mif1', b'msf1'}


def receipt_max_size():
    "Largest receipt accepted, in bytes ([connexion] receipt_max_size)."
    return config.getint('connexion', 'receipt_max_size',
        default=10 * 1024 * 1024)


def file_kind(data):
    "'jpeg', 'png', 'webp', 'heic' or 'pdf' from the content, else None."
    if data.startswith(b'\xff\xd8\xff'):
        return 'jpeg'
    if data.startswith(b'\x89PNG\r\n\x1a\n'):
        return 'png'
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'webp'
    if data[4:8] == b'ftyp' and data[8:12] in _HEIC_BRANDS:
        return 'heic'
    # A PDF may start with a few bytes of garbage (PDF 1.7, 7.5.2).
    if b'%PDF-' in data[:1024]:
        return 'pdf'
    return None


def file_name(name, kind, default='justificatif'):
    """A harmless name for a stored file: the sent name without directory,
    control or markup characters, with the extension of its real kind."""
    name = (name or '').replace('\\', '/').rsplit('/', 1)[-1]
    stem = os.path.splitext(name)[0]
    stem = unicodedata.normalize('NFKC', stem)
    stem = re.sub(r'[^\w .()-]+', '_', stem).strip(' ._')[:80] or default
    return stem + RECEIPT_KINDS[kind][0]
