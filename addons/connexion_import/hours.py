"""Import of the hours given by volunteers, from the old spreadsheets.

Each line is attached to its volunteer through the volunteer's key in the
same source (imported before with a volunteers profile) or their e-mail,
and to a mission of Connexion by its name (old mission labels are
transcoded in the profile). Lines come in "to validate": validating them
freezes the hourly rate of the volunteer's level, as for hours typed today.
"""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from connexion_asso.duplicate import PartyIndex

from . import cleaning
from .importer import Importer


class HoursImporter(Importer):
    "Hours given by volunteers."
    entity = 'hours'
    targets = [('key', False), ('volunteer_key', False), ('email', False),
        ('mission', True), ('date', True), ('hours', True),
        ('distance', False), ('notes', False)]
    required = [('volunteer_key', 'email'), ('mission',), ('date',),
        ('hours',)]
    cleaners = dict(Importer.cleaners,
        volunteer_key=cleaning.clean_char,
        mission=cleaning.clean_char,
        date=cleaning.clean_date,
        hours=cleaning.clean_hours,
        distance=cleaning.clean_integer,
        notes=cleaning.clean_char)
    quantity_target = 'hours'
    indicators = ('connexion.volunteer.hours', 'date', 'hours')

    def check_row(self, plan, row):
        self.check_key_or_email(plan, row, 'volunteer_key', 'volunteer')

    def match(self, plan):
        """Volunteer and mission of each line: one query per table for the
        whole file."""
        pool = Pool()
        Key = pool.get('connexion.import.key')
        Volunteer = pool.get('connexion.volunteer')
        Mission = pool.get('connexion.mission')
        missions = defaultdict(set)
        for mission in Mission.search([]):
            missions[cleaning.code_key(mission.name)].add(
                mission.id)

        def volunteers_by_email():
            parties = PartyIndex.load().by_email
            volunteers = {v.party.id: v.id for v in Volunteer.search(
                    [('party', 'in', list(set(parties.values())))])}
            return {e: volunteers[p] for e, p in parties.items()
                if p in volunteers}

        for row, volunteer in self.rows_by_person(plan, 'volunteer_key',
                Key.existing(self.profile.source, 'volunteer'),
                volunteers_by_email, 'volunteer'):
            values = row.values
            values['volunteer'] = volunteer
            found = missions.get(
                cleaning.code_key(values['mission']), set())
            if len(found) != 1:
                row.reject(plan.column_name('mission'), gettext(
                        'connexion_import.msg_unknown_mission'
                        if not found else
                        'connexion_import.msg_ambiguous_mission',
                        value=values['mission']))
                continue
            values['mission'], = found

    def save(self, rows):
        "One create for the whole batch (the ORM checks every line)."
        Hours = Pool().get('connexion.volunteer.hours')
        rows = [r for r in rows if r.status == 'create']
        lines = Hours.create([{
                    'volunteer': r.values['volunteer'],
                    'mission': r.values['mission'],
                    'date': r.values['date'],
                    'hours': r.values['hours'],
                    'distance': r.values.get('distance'),
                    'description': r.values.get('notes'),
                    'origin': 'staff',
                    } for r in rows])
        for row, line in zip(rows, lines):
            row.match = line.id


class Run(metaclass=PoolMeta):
    __name__ = 'connexion.import.run'

    @classmethod
    def _importers(cls):
        return super()._importers() + [HoursImporter]
