"""Users list the teams they belong to."""
from trytond.model import fields
from trytond.pool import PoolMeta


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    team_memberships = fields.One2Many(
        'connexion.team.member', 'user', "Team Memberships", readonly=True)
