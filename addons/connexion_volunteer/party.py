"""Merging duplicates (party.replace) and erasing a person (party.erase):
the volunteers' records (connexion_asso's party.py says how each module
lists its own)."""
from trytond.pool import Pool, PoolMeta


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.volunteer', 'party'),
            ('connexion.volunteer-preferred_hospital', 'hospital'),
            ]


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def to_erase(self, party_id):
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        PreferredHospital = pool.get('connexion.volunteer-preferred_hospital')
        Hours = pool.get('connexion.volunteer.hours')
        Expense = pool.get('connexion.volunteer.expense')
        Onboarding = pool.get('connexion.volunteer.onboarding')
        to_erase = super().to_erase(party_id)
        to_erase.extend([
                (Volunteer, [('party', '=', party_id)], True,
                    ['status_reason', 'languages', 'emergency_contact_name',
                        'emergency_contact_phone', 'calendar_token',
                        'criminal_record_date', 'criminal_record_expiry'],
                    [None] * 7),
                # A hospital party preferred by volunteers: nothing personal.
                (PreferredHospital, [('hospital', '=', party_id)], False,
                    [], []),
                (Hours, [('volunteer.party', '=', party_id)], True,
                    ['description'], [None]),
                (Onboarding, [('volunteer.party', '=', party_id)], True,
                    ['description'], [None]),
                # The expense and its written renunciation back an
                # expense-waiver gift and its tax receipt (kept 6 years,
                # LPF art. L102 B): only the attachments go.
                (Expense, [('volunteer.party', '=', party_id)], True,
                    [], []),
                ])
        return to_erase
