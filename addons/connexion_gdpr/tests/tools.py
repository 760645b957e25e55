"""Test helpers: scan every text column of the database for strings."""
from trytond.transaction import Transaction


def find_strings(strings):
    """[(table, column, string)] for each string still stored somewhere.

    Looks at every text column of every table, on SQLite and PostgreSQL."""
    connection = Transaction().connection
    cursor = connection.cursor()
    database = Transaction().database
    columns = []
    if database.flavor.paramstyle == 'qmark':  # SQLite
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")
        for table, in cursor.fetchall():
            cursor.execute(f'PRAGMA table_info("{table}")')
            for row in cursor.fetchall():
                if (row[2] or '').upper() in {'', 'TEXT', 'VARCHAR', 'BLOB'}:
                    columns.append((table, row[1]))
        param = '?'
    else:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN "
            "('character varying', 'text', 'json', 'jsonb', 'bytea')")
        columns = cursor.fetchall()
        param = '%s'
    found = []
    for table, column in columns:
        if database.flavor.paramstyle == 'qmark':
            expression = f'LOWER(CAST("{column}" AS TEXT))'
        else:
            expression = (f'LOWER(encode("{column}", \'escape\'))'
                if _is_bytea(cursor, table, column)
                else f'LOWER(CAST("{column}" AS TEXT))')
        for string in strings:
            cursor.execute(
                f'SELECT COUNT(*) FROM "{table}" WHERE {expression} LIKE '
                f'{param}', (f'%{string.lower()}%',))
            if cursor.fetchone()[0]:
                found.append((table, column, string))
    return found


def _is_bytea(cursor, table, column):
    cursor.execute(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s "
        "AND column_name = %s", (table, column))
    return cursor.fetchone()[0] == 'bytea'
