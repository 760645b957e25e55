"""Dates and times as the portal's pages write them."""
import datetime as dt

from trytond.i18n import gettext
from trytond.pool import Pool


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


def local(datetime):
    "Server datetimes are naive UTC; volunteers read Paris time."
    from zoneinfo import ZoneInfo
    return datetime.replace(tzinfo=dt.timezone.utc).astimezone(
        ZoneInfo('Europe/Paris')).replace(tzinfo=None)
