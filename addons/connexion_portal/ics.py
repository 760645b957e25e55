"""The iCalendar (RFC 5545) text of a calendar feed's events: a format of
its own, written here in a few lines rather than with a library."""
import datetime as dt


def _ics_text(value):
    "Escape a TEXT value (RFC 5545 3.3.11)."
    return (str(value).replace('\\', '\\\\').replace(';', '\\;')
        .replace(',', '\\,').replace('\r\n', '\\n').replace('\n', '\\n'))


def _ics_fold(line):
    "Lines of at most 75 octets, continued after CRLF + space (3.1)."
    data = line.encode('utf-8')
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1  # never cut a UTF-8 character
        parts.append(data[start:end].decode('utf-8'))
        start, limit = end, 74
    return '\r\n '.join(parts)


def _ics_time(value):
    if isinstance(value, dt.datetime):
        return ':' + value.strftime('%Y%m%dT%H%M%SZ')
    return ';VALUE=DATE:' + value.strftime('%Y%m%d')


def icalendar(events, name, domain):
    "The text of an iCalendar (RFC 5545) of the events."
    now = dt.datetime.utcnow().replace(microsecond=0)
    lines = ['BEGIN:VCALENDAR', 'VERSION:2.0',
        'PRODID:-//Connexion//Portail benevoles//FR', 'CALSCALE:GREGORIAN',
        'METHOD:PUBLISH', 'X-WR-CALNAME:' + _ics_text(name)]
    for event in events:
        lines += ['BEGIN:VEVENT',
            f'UID:{event.uid}@{domain}',
            'DTSTAMP' + _ics_time(event.stamp or now),
            'DTSTART' + _ics_time(event.start),
            'DTEND' + _ics_time(event.end),
            'SUMMARY:' + _ics_text(event.summary)]
        if event.location:
            lines.append('LOCATION:' + _ics_text(event.location))
        lines.append('END:VEVENT')
    lines.append('END:VCALENDAR')
    return ''.join(_ics_fold(line) + '\r\n' for line in lines)
