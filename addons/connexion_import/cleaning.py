"""Cleaning of imported values: one function per kind of column.

Each function returns the cleaned value (None when empty) or raises
``CleanError`` with the id of a French message: the row is then reported
in the error file instead of being imported half-right.
"""
import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import phonenumbers
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban


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
SPACES = re.compile(r'[\s\u00a0\u202f]+')


def text(value):
    "Cell as stripped text; spreadsheet numbers lose their '.0'."
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return SPACES.sub(' ', str(value)).strip()


def strip_accents(value):
    return ''.join(c for c in unicodedata.normalize('NFKD', value)
        if not unicodedata.combining(c))


def name_key(value):
    "Name without case, accents, punctuation nor word order (duplicates)."
    words = re.findall(r'[a-z0-9]+', strip_accents(value or '').lower())
    return ' '.join(sorted(words))


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
    try:
        number = phonenumbers.parse(digits, country or 'FR')
    except phonenumbers.NumberParseException:
        raise CleanError('connexion_import.msg_clean_phone', value=value)
    if not phonenumbers.is_valid_number(number):
        raise CleanError('connexion_import.msg_clean_phone', value=value)
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)


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
    "A past date (or a future one too with future=True)."
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if not future and value > dt.date.today():
            raise CleanError('connexion_import.msg_clean_date',
                value=value.strftime('%d/%m/%Y'))
        return value
    value = text(value)
    if not value:
        return None
    for format_ in DATE_FORMATS:
        try:
            date = dt.datetime.strptime(value, format_).date()
        except ValueError:
            continue
        if date.year < 1900 or (not future and date > dt.date.today()):
            break
        return date
    raise CleanError('connexion_import.msg_clean_date', value=value)


def clean_end_date(value):
    "End dates of current memberships are in the future."
    try:
        return clean_date(value, future=True)
    except CleanError as error:
        raise CleanError('connexion_import.msg_clean_any_date',
            **error.variables)


def clean_amount(value):
    "'1 234,50 €', '1234.5' or a spreadsheet number; positive, in cents."
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = Decimal(str(value))
        raw = str(value)
    else:
        raw = text(value)
        if not raw:
            return None
        number = re.sub(r'[\s€]|EUR', '', raw, flags=re.I)
        if ',' in number and '.' in number:
            if number.rfind(',') > number.rfind('.'):
                number = number.replace('.', '').replace(',', '.')
            else:
                number = number.replace(',', '')
        else:
            number = number.replace(',', '.')
        if not re.fullmatch(r'-?\d+(\.\d+)?', number):
            raise CleanError('connexion_import.msg_clean_amount', value=raw)
        try:
            amount = Decimal(number)
        except InvalidOperation:
            raise CleanError('connexion_import.msg_clean_amount', value=raw)
    if amount <= 0 or amount != amount.quantize(Decimal('0.01')):
        raise CleanError('connexion_import.msg_clean_amount', value=raw)
    return amount.quantize(Decimal('0.01'))


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
