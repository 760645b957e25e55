"""Plain SQL for the portal's busiest pages: python-sql queries whose text
is written once per process (``execute``), and the values SQLite gives
back from it (``parse_datetime``)."""
import datetime as dt

from trytond.transaction import Transaction


def parse_datetime(value):
    "SQLite gives datetimes and dates back as strings from plain SQL."
    if isinstance(value, str):
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    return value


class Param:
    "A value given at run time to a query whose SQL text is cached."
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name


_QUERIES = {}


def execute(pool, key, build, /, **values):
    """Run the python-sql query build(pool, **values) and return the cursor.

    The SQL text is written once per process and key: python-sql costs more
    CPU than PostgreSQL's answer on the portal's busiest pages. So build
    must use values only as query parameters (compared, not computed on),
    and give the same query for every value."""
    cached = _QUERIES.get(key)
    if cached is None:
        query = build(pool, **{name: Param(name) for name in values})
        sql, params = tuple(query)
        params = tuple((p.name, None) if isinstance(p, Param) else (None, p)
            for p in params)
        cached = _QUERIES[key] = (sql, params)
    sql, params = cached
    cursor = Transaction().connection.cursor()
    cursor.execute(sql, tuple(values[name] if name else value
            for name, value in params))
    return cursor
