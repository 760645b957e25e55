"""Cleaning of imported values: one function per kind of column.

Each function returns the cleaned value (None when empty) or raises
``CleanError`` with the id of a French message: the row is then reported
in the error file instead of being imported half-right.
"""
import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

import phonenumbers
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from trytond.pool import Pool

# Shared with the staff's duplicate search after the import.
from connexion_asso.duplicate import name_key, strip_accents  # noqa: F401


class CleanError(Exception):
    "A value that cannot be imported: message id and its variables."

    def __init__(self, message, **variables):
        super().__init__(message)
        self.message = message
        self.variables = variables


EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$')
PARTICLES = {'de', 'du', 'des', 'la', 'le', 'van', 'von', 'di', 'da'}
DATE_FORMATS = ['%d/%m/%Y', '%d/%m/%y', '%Y-%m-%d', '%d-%m-%Y', '%d.%m.%Y',
    '%Y/%m/%d', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%Y-%m-%d %H:%M:%S']


def text(value):
    "Cell as stripped text; spreadsheet numbers lose their '.0'."
    if type(value) is str:
        return ' '.join(value.split())
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # str.split() cuts on every Unicode space, no-break spaces included.
    return ' '.join(str(value).split())


@functools.lru_cache(maxsize=100_000, typed=True)
def code_key(value):
    """A cell as codes and names are compared: without case, accents nor
    extra spaces (column headers, transcodification, campaigns...).
    Cached: a column of codes repeats a handful of values."""
    return strip_accents(text(value)).lower()


def _capitalize(word):
    if word.lower() in PARTICLES:
        return word.lower()
    parts = re.split(r"([-'’])", word)
    result = []
    for part in parts:
        if part in {'-', "'", '’'}:
            result.append(part)
        elif part.lower() == 'd' and len(parts) > 1 and not result:
            result.append('d')
        else:
            result.append(part[:1].upper() + part[1:].lower())
    return ''.join(result)


def clean_name(value):
    "'DUPONT' or 'jean-pierre' become 'Dupont', 'Jean-Pierre'."
    if isinstance(value, str):
        return _clean_name(value)
    return _clean_name(text(value))


@functools.lru_cache(maxsize=100_000)
def _clean_name(value):
    "'DUPONT' or 'jean-pierre' become 'Dupont', 'Jean-Pierre'."
    value = text(value)
    if not value:
        return None
    words = value.split(' ')
    return ' '.join(
        _capitalize(w) if i else _capitalize(w)[:1].upper()
        + _capitalize(w)[1:] for i, w in enumerate(words))


def clean_char(value):
    return text(value) or None


def clean_email(value):
    value = text(value).lower().replace(' ', '')
    if not value:
        return None
    if value.startswith('mailto:'):
        value = value[len('mailto:'):]
    if not EMAIL.match(value):
        raise CleanError('connexion_import.msg_clean_email', value=value)
    return value


def clean_phone(value, country='FR'):
    "French numbers (or '+..' international ones) in E.164 form."
    value = text(value)
    if not value:
        return None
    digits = re.sub(r'[^\d+]', '', value)
    if digits.startswith('00'):
        digits = '+' + digits[2:]
    if len(digits) == 9 and digits[0] in '123456789':
        # A spreadsheet dropped the leading 0.
        digits = '0' + digits
    if (country or 'FR') == 'FR':
        french = FRENCH_NUMBER.match(digits)
        if french:
            return _french_phone(french.group(1), value)
    try:
        number = phonenumbers.parse(digits, country or 'FR')
    except phonenumbers.NumberParseException:
        raise CleanError('connexion_import.msg_clean_phone', value=value)
    if not phonenumbers.is_valid_number(number):
        raise CleanError('connexion_import.msg_clean_phone', value=value)
    e164 = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)
    if len(_INTERNATIONAL) > 1_000_000:
        _INTERNATIONAL.clear()
    _INTERNATIONAL[e164] = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return e164


# International form of the numbers clean_phone gave, so that the bulk path
# writes what party.contact_mechanism.format_value stores without parsing
# every number again.
_INTERNATIONAL = {}


# '0612345678' or '+33612345678': the national number of most rows.
FRENCH_NUMBER = re.compile(r'^(?:0|\+33)([1-9]\d{8})$')


class _FrenchRules:
    """phonenumbers' own French metadata (number types, formats),
    compiled once: the checks of is_valid_number and the INTERNATIONAL
    format of format_number, without parsing each number (a tenth of the
    cost; the tests compare both on many numbers)."""

    def __init__(self):
        metadata = phonenumbers.PhoneMetadata.metadata_for_region('FR')

        def desc(number_desc):
            if number_desc is None or not number_desc.national_number_pattern:
                return None
            return (set(number_desc.possible_length),
                re.compile(number_desc.national_number_pattern))
        self.general = desc(metadata.general_desc)
        types = [d for d in map(desc, [metadata.premium_rate,
                    metadata.toll_free, metadata.shared_cost, metadata.voip,
                    metadata.personal_number, metadata.pager, metadata.uan,
                    metadata.voicemail, metadata.fixed_line, metadata.mobile])
            if d]
        # One pattern per length: any type that allows it.
        self.types = {}
        for length in range(1, 18):
            patterns = [p.pattern for lengths, p in types
                if not lengths or length in lengths]
            if patterns:
                self.types[length] = re.compile(
                    '|'.join(f'(?:{p})' for p in patterns))
        self.formats = [(
                re.compile(f.leading_digits_pattern[-1])
                if f.leading_digits_pattern else None,
                re.compile(f.pattern), f.format)
            for f in (metadata.intl_number_format or metadata.number_format)]
        self.prefix = f'+{metadata.country_code}'

    @staticmethod
    def matches(national, desc):
        lengths, pattern = desc
        return ((not lengths or len(national) in lengths)
            and pattern.fullmatch(national) is not None)

    def valid(self, national):
        pattern = self.types.get(len(national))
        return (self.general is not None and pattern is not None
            and self.matches(national, self.general)
            and pattern.fullmatch(national) is not None)

    def international(self, national):
        for leading, pattern, format_ in self.formats:
            if ((leading is None or leading.match(national))
                    and pattern.fullmatch(national)):
                national = pattern.sub(format_, national)
                break
        return f'{self.prefix} {national}'


_FRENCH = []


def _french_phone(national, value):
    "E.164 form of a French national number, checked as phonenumbers does."
    if not _FRENCH:
        _FRENCH.append(_FrenchRules())
    rules, = _FRENCH
    if not rules.valid(national):
        raise CleanError('connexion_import.msg_clean_phone', value=value)
    e164 = rules.prefix + national
    if len(_INTERNATIONAL) > 1_000_000:
        _INTERNATIONAL.clear()
    _INTERNATIONAL[e164] = rules.international(national)
    return e164


def phone_international(e164):
    "'+33612345678' as party.contact_mechanism stores it: '+33 6 12 34 56 78'."
    value = _INTERNATIONAL.get(e164)
    if value is None:
        value = phonenumbers.format_number(phonenumbers.parse(e164),
            phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return value


def clean_postal_code(value, country='FR'):
    value = text(value).replace(' ', '')
    if not value:
        return None
    if (country or 'FR') == 'FR':
        if value.isdigit() and len(value) == 4:
            # A spreadsheet dropped the leading 0 (Ain, Aisne...).
            value = '0' + value
        if not (value.isdigit() and len(value) == 5):
            raise CleanError(
                'connexion_import.msg_clean_postal_code', value=value)
    return value.upper()


def clean_iban(value):
    value = text(value)
    if not value:
        return None
    if not stdnum_iban.is_valid(value):
        raise CleanError('connexion_import.msg_clean_iban', value=value)
    return stdnum_iban.compact(value)


def clean_bic(value):
    value = text(value)
    if not value:
        return None
    if not stdnum_bic.is_valid(value):
        raise CleanError('connexion_import.msg_clean_bic', value=value)
    return stdnum_bic.compact(value)


def clean_date(value, future=False):
    """A past date (or a future one too with future=True): past for the
    company, in its timezone."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not future and value > Pool().get('ir.date').today():
            raise CleanError('connexion_import.msg_clean_date',
                value=value.strftime('%d/%m/%Y'))
        return value
    value = text(value)
    if not value:
        return None
    date = _parse_date(value)
    if (date is None or date.year < 1900
            or (not future and date > Pool().get('ir.date').today())):
        raise CleanError('connexion_import.msg_clean_date', value=value)
    return date


@functools.lru_cache(maxsize=100_000)
def _parse_date(value):
    """The date written in a cell's text, or None. Cached: a file of gifts
    holds a few thousand distinct dates."""
    if (len(value) == 10 and value[2] == value[5] == '/'
            and value[:2].isdigit() and value[3:5].isdigit()
            and value[6:].isdigit()):
        # 'dd/mm/yyyy', the usual French export, without strptime's cost.
        try:
            return dt.date(int(value[6:]), int(value[3:5]), int(value[:2]))
        except ValueError:
            return None
    for format_ in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, format_).date()
        except ValueError:
            continue
    return None


def clean_end_date(value):
    "End dates of current memberships are in the future."
    try:
        return clean_date(value, future=True)
    except CleanError as error:
        raise CleanError('connexion_import.msg_clean_any_date',
            **error.variables)


_AMOUNT_NOISE = re.compile(r'[\s€]|EUR', re.I)
_AMOUNT = re.compile(r'-?\d+(\.\d+)?')
CENT = Decimal('0.01')


def clean_amount(value):
    "'1 234,50 €', '1234.5' or a spreadsheet number; positive, in cents."
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = str(value)
        amount = _amount(Decimal(raw))
    else:
        raw = text(value)
        if not raw:
            return None
        amount = _parse_amount(raw)
    if amount is None:
        raise CleanError('connexion_import.msg_clean_amount', value=raw)
    return amount


def _amount(amount):
    "A positive amount in cents, or None."
    if amount <= 0 or amount != amount.quantize(CENT):
        return None
    return amount.quantize(CENT)


@functools.lru_cache(maxsize=100_000)
def _parse_amount(raw):
    """The amount written in a cell's text, or None. Cached: gifts repeat
    the same few amounts."""
    number = _AMOUNT_NOISE.sub('', raw)
    if ',' in number and '.' in number:
        if number.rfind(',') > number.rfind('.'):
            number = number.replace('.', '').replace(',', '.')
        else:
            number = number.replace(',', '')
    else:
        number = number.replace(',', '.')
    if not _AMOUNT.fullmatch(number):
        return None
    try:
        return _amount(Decimal(number))
    except InvalidOperation:
        return None


def clean_country(value):
    "ISO code or French name; France when empty."
    value = text(value)
    if not value:
        return None
    key = strip_accents(value).upper()
    if key in {'FRANCE', 'FR', 'FRA'}:
        return 'FR'
    if len(key) == 2 and key.isalpha():
        return key
    raise CleanError('connexion_import.msg_clean_country', value=value)


HOURS = re.compile(r'(\d+)\s*(?:h|:)\s*(\d{1,2})?\s*(?:min)?', re.I)


def clean_hours(value):
    "Hours as '3,5', '3.5', '3h30', '3:30' or a spreadsheet number."
    raw = text(value)
    if not raw:
        return None
    match = HOURS.fullmatch(raw)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        if minutes >= 60:
            raise CleanError('connexion_import.msg_clean_hours', value=raw)
        return (Decimal(hours) + Decimal(minutes) / 60).quantize(
            Decimal('0.01'))
    number = raw.replace(',', '.')
    if not re.fullmatch(r'\d+(\.\d+)?', number) or Decimal(number) <= 0:
        raise CleanError('connexion_import.msg_clean_hours', value=raw)
    return Decimal(number).quantize(Decimal('0.01'))


def clean_integer(value):
    "A whole number, not negative (e.g. kilometres)."
    raw = text(value)
    if not raw:
        return None
    if not re.fullmatch(r'\d+', raw.replace(' ', '')):
        raise CleanError('connexion_import.msg_clean_integer', value=raw)
    return int(raw.replace(' ', ''))
