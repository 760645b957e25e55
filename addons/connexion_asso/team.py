"""Teams (pôles) of the association; membership grants the team's rights."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool

from .exceptions import TeamMemberDatesError

FUNCTIONS = [
    ('member', "Member"),
    ('referent', "Referent"),
    ('sponsor', "Sponsor"),
    ]


class Team(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.team'

    name = fields.Char("Name", required=True)
    code = fields.Char("Code")
    description = fields.Text("Description")
    group = fields.Many2One(
        'res.group', "Access Group", ondelete='RESTRICT',
        help="The group that grants the team's rights.\n"
        "Leave empty to create a group named after the team.")
    role = fields.Many2One(
        'res.role', "Role", ondelete='RESTRICT', readonly=True,
        help="The user role given to every member; it carries the group.")
    dashboard = fields.Many2One(
        'ir.action', "Dashboard", ondelete='SET NULL',
        domain=[('type', '=', 'ir.action.act_window')],
        help="Opened when a member logs in to the staff client.")
    memberships = fields.One2Many(
        'connexion.team.member', 'team', "Memberships")
    members = fields.Function(fields.Many2Many(
            'res.user', None, None, "Members"),
        'get_users', searcher='search_users')
    referents = fields.Function(fields.Many2Many(
            'res.user', None, None, "Referents"), 'get_users')
    sponsors = fields.Function(fields.Many2Many(
            'res.user', None, None, "Sponsors"), 'get_users')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_unique', Unique(t, t.name),
                'connexion_asso.msg_team_name_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    def get_users(self, name):
        function = {
            'members': None, 'referents': 'referent', 'sponsors': 'sponsor',
            }[name]
        today = Pool().get('ir.date').today()
        return sorted({
                m.user.id for m in self.memberships
                if m.valid(today)
                and (function is None or m.function == function)})

    @classmethod
    def search_users(cls, name, clause):
        return [('memberships.user',) + tuple(clause[1:])]

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Group = pool.get('res.group')
        Role = pool.get('res.role')
        ModelData = pool.get('ir.model.data')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('name'):
            if not values.get('group'):
                group, = Group.create([{
                            'name': values['name'],
                            'parent': ModelData.get_id(
                                'connexion_asso', 'group_connexion'),
                            }])
                values['group'] = group.id
            if not values.get('role'):
                role, = Role.create([{
                            'name': values['name'],
                            'groups': [('add', [values['group']])],
                            }])
                values['role'] = role.id
        return values

    @classmethod
    def on_modification(cls, mode, teams, field_names=None):
        pool = Pool()
        Role = pool.get('res.role')
        super().on_modification(mode, teams, field_names=field_names)
        if mode == 'write' and (field_names is None or 'group' in field_names):
            for team in teams:
                if team.role and team.group not in team.role.groups:
                    Role.write([team.role], {
                            'groups': [('add', [team.group.id])]})


class TeamMember(ModelSQL, ModelView):
    __name__ = 'connexion.team.member'

    team = fields.Many2One(
        'connexion.team', "Team", required=True, ondelete='CASCADE')
    user = fields.Many2One(
        'res.user', "User", required=True, ondelete='CASCADE')
    function = fields.Selection(FUNCTIONS, "Function", required=True)
    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
    user_role = fields.Many2One(
        'res.user.role', "User Role", readonly=True, ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('team', 'ASC'), ('function', 'DESC'), ('id', 'ASC')]

    @staticmethod
    def default_function():
        return 'member'

    def get_rec_name(self, name):
        return f'{self.user.rec_name} ({self.team.rec_name})'

    def valid(self, date):
        return ((not self.from_date or self.from_date <= date)
            and (not self.to_date or date <= self.to_date)
            and self.team.active)

    @classmethod
    def validate_fields(cls, members, field_names):
        super().validate_fields(members, field_names)
        for member in members:
            if (member.from_date and member.to_date
                    and member.to_date < member.from_date):
                raise TeamMemberDatesError(gettext(
                        'connexion_asso.msg_team_member_dates',
                        team=member.team.rec_name,
                        user=member.user.rec_name))

    def _user_role_values(self):
        def to_datetime(date, time):
            return dt.datetime.combine(date, time) if date else None
        return {
            'user': self.user.id,
            'role': self.team.role.id,
            'from_date': to_datetime(self.from_date, dt.time.min),
            'to_date': to_datetime(self.to_date, dt.time.max),
            }

    @classmethod
    def on_modification(cls, mode, members, field_names=None):
        "Keep a user role per membership so user_role grants the groups."
        pool = Pool()
        UserRole = pool.get('res.user.role')
        User = pool.get('res.user')
        super().on_modification(mode, members, field_names=field_names)
        if mode not in {'create', 'write'} or field_names == {'user_role'}:
            return
        to_write, to_create = [], []
        for member in members:
            if not member.team.role:
                continue
            values = member._user_role_values()
            if member.user_role:
                to_write.extend([[member.user_role], values])
            else:
                to_create.append((member, values))
        if to_write:
            UserRole.write(*to_write)
        if to_create:
            roles = UserRole.create([v for _, v in to_create])
            cls.write(*[a for (m, _), r in zip(to_create, roles)
                    for a in ([m], {'user_role': r.id})])
        User.sync_roles(User.browse({m.user.id for m in members}))

    @classmethod
    def on_delete(cls, members):
        pool = Pool()
        UserRole = pool.get('res.user.role')
        User = pool.get('res.user')
        callback = super().on_delete(members)
        user_roles = [m.user_role.id for m in members if m.user_role]
        users = list({m.user.id for m in members})

        def remove_roles():
            UserRole.delete(UserRole.browse(user_roles))
            User.sync_roles(User.browse(users), clear=True)
        callback.append(remove_roles)
        return callback
