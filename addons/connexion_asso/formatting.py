"""Dates and amounts printed the French way, whatever the user's language.

Receipts, e-mails and portal pages print for French donors and
volunteers: amounts as « 1 234,50 € » with the separators of Tryton's
French language (ir.lang, the ones the web client shows), dates as
« 14/03/2026 » (jj/mm/aaaa, the form of the tax receipts). One helper for
every module: no copy of these rules elsewhere.
"""
from trytond.pool import Pool

LANGUAGE = 'fr'
DATE_FORMAT = '%d/%m/%Y'


def french():
    "The French ir.lang (its separators), cached by ir.lang itself."
    return Pool().get('ir.lang').get(LANGUAGE)


def format_amount(amount, symbol=True, lang=None):
    """« 1 234,50 € » (symbol=False: « 1 234,50 »), with ir.lang's
    separators (a no-break space between the thousands)."""
    if amount is None:
        return ''
    lang = lang or french()
    text = lang.format('%.2f', amount, grouping=True, monetary=True)
    return text + '\u00a0€' if symbol else text


def amount_formatter(lang=None):
    """format_amount for the many amounts of one document (a PDF of
    20,000 receipts): ir.lang read once and each distinct amount formatted
    once (gifts repeat their amounts: a monthly donor's year is twelve
    times the same)."""
    lang = lang or french()
    texts = {}

    def money(amount):
        if amount not in texts:
            texts[amount] = format_amount(amount, lang=lang)
        return texts[amount]
    return money


def format_date(date):
    """« 14/03/2026 »; '' for no date. Digits only, the same in every
    language: no day or month name for ir.lang to translate (and printing
    20,000 receipts does not pay for its lookups)."""
    if not date:
        return ''
    return date.strftime(DATE_FORMAT)


def format_duration(seconds, lang=None):
    """How long a task took, as people say it: « 0,4 s », « 12 s »,
    « 2 min 05 s », « 1 h 02 min »."""
    lang = lang or french()
    if seconds < 10:
        return lang.format('%.1f', seconds) + '\u00a0s'
    seconds = int(round(seconds))
    if seconds < 60:
        return f'{seconds}\u00a0s'
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f'{minutes}\u00a0min {seconds:02d}\u00a0s'
    hours, minutes = divmod(minutes, 60)
    return f'{hours}\u00a0h {minutes:02d}\u00a0min'
