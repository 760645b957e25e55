"""Fixtures of the dreams' tests shared with the modules that protect the
children's data (connexion_gdpr's health-data log)."""
from trytond.pool import Pool


def create_hospital():
    "The Hôpital des Tilleuls with its oncology service and one doctor."
    pool = Pool()
    Party = pool.get('party.party')
    Hospital = pool.get('connexion.hospital')
    hospital, = Hospital.create([{
                'party': Party.create([{'name': "Hôpital des Tilleuls"}])[0].id,
                'services': [('create', [{'name': "Onco-hématologie"}])],
                'contacts': [('create', [{
                                'party': Party.create([
                                        {'name': "Dr Aline Berthaud"}])[0].id,
                                'role': 'doctor',
                                }])],
                }])
    return hospital
