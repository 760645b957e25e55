"""Dates and times as the portal's pages write them."""
import datetime as dt

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.tools.timezone import get_tzinfo
from trytond.transaction import Transaction


def format_date(date):
    """« samedi 14 mars 2026 »: the day and month names of ir.lang (its
    names are labels, « Samedi », « Mars »: French running text writes them
    in lower case)."""
    lang = Pool().get('ir.lang').get()
    text = '%s %s %s' % (
        lang.strftime(date, '%A'), date.day, lang.strftime(date, '%B %Y'))
    return text.lower() if lang.code.startswith('fr') else text


def format_datetime(start, end=None):
    "« samedi 14 mars 2026, 9 h 00 – 12 h 30 »"
    def time(value):
        return gettext('connexion_portal.msg_portal_time',
            hour=value.hour, minute='%02d' % value.minute)
    text = '%s, %s' % (format_date(start.date()), time(start))
    if end:
        text += ' – %s' % time(end)
    return text


def company_timezone():
    "The association's timezone: its company's (Paris when none is set)."
    Company = Pool().get('company.company')
    company_id = Transaction().context.get('company')
    companies = ([Company(company_id)] if company_id
        else Company.search([], order=[('id', 'ASC')], limit=1))
    return (companies and companies[0].timezone) or 'Europe/Paris'


def local(datetime, timezone=None):
    """Server datetimes are naive UTC; people read the association's time,
    in timezone (the company's when not given: a page passes the one it
    read once, see Page.local)."""
    return datetime.replace(tzinfo=dt.timezone.utc).astimezone(
        get_tzinfo(timezone or company_timezone())).replace(tzinfo=None)
