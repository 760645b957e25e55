"""What the association sets for its volunteers."""
from trytond.model import fields
from trytond.pool import PoolMeta


class Association(metaclass=PoolMeta):
    __name__ = 'connexion.association'

    mileage_rate = fields.Numeric(
        "Mileage Allowance", digits=(16, 3),
        domain=['OR', ('mileage_rate', '=', None), ('mileage_rate', '>', 0)],
        help="Euros per kilometre for volunteers' car journeys (for example "
        "the tax scale for volunteers' vehicles of the year): the portal "
        "computes the amount of a claim given in kilometres.")
