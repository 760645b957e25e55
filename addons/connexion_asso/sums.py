"""Shared by the reports' SQL views of every module (hours, donations)."""
from decimal import Decimal


class DecimalSumsMixin:
    """SQLite sums numerics as floats: the sums named in _decimal_sums are
    given back as Decimals, as PostgreSQL gives them (the reports' SQL
    views)."""
    __slots__ = ()
    _decimal_sums = ()

    @classmethod
    def read(cls, ids, fields_names):
        rows = super().read(ids, fields_names)
        cent = Decimal('0.01')
        for row in rows:
            for name in cls._decimal_sums:
                if isinstance(row.get(name), (float, int)):
                    row[name] = Decimal(str(row[name])).quantize(cent)
        return rows
