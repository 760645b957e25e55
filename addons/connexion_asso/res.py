"""Users list the teams they belong to and open their team's dashboard."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    team_memberships = fields.One2Many(
        'connexion.team.member', 'user', "Team Memberships", readonly=True)

    @classmethod
    def _get_preferences(cls, user, context_only=False):
        """The dashboard of the user's team opens at login, unless the user
        chose actions of their own: not a blank page."""
        preferences = super()._get_preferences(
            user, context_only=context_only)
        if not context_only and not user.actions:
            dashboard = user.team_dashboard()
            if dashboard:
                preferences['actions'] = (
                    preferences.get('actions') or []) + [dashboard.id]
        return preferences

    def team_dashboard(self):
        "The dashboard of the user's first team (by name) that has one."
        today = Pool().get('ir.date').today()
        for membership in sorted(self.team_memberships,
                key=lambda m: m.team.name):
            if membership.valid(today) and membership.team.dashboard:
                return membership.team.dashboard
