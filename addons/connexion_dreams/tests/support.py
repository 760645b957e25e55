"""Fixtures of the dreams' tests, shared with the modules that protect the
children's data (connexion_gdpr's health-data log)."""
import datetime as dt

from trytond.pool import Pool
from trytond.transaction import Transaction


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


TODAY = dt.date.today()
# ir.date's today is TODAY in the tests, also when they run past midnight.
TODAY_CONTEXT = {'date': TODAY}


def create_schedule(hospital, frequency, volunteers):
    """Visits to the hospital's first service by volunteers, on today's
    weekday from today."""
    Schedule = Pool().get('connexion.hospital.visit.schedule')
    schedule, = Schedule.create([{
                'hospital': hospital.id,
                'service': hospital.services[0].id,
                'weekday': str(TODAY.weekday()),
                'frequency': frequency,
                'start_date': TODAY,
                'volunteers': [('add', [v.id for v in volunteers])],
                }])
    return schedule


def create_volunteer(name, user=None, cleared=True):
    "A volunteer; cleared ones have a valid criminal-record check."
    pool = Pool()
    Party = pool.get('party.party')
    Volunteer = pool.get('connexion.volunteer')
    party, = Party.create([{'name': name}])
    volunteer, = Volunteer.create([{
                'party': party.id,
                'user': user.id if user else None,
                }])
    Volunteer.onboard([volunteer])
    if cleared:
        Volunteer.write([volunteer], {
                'criminal_record_date': TODAY - dt.timedelta(days=100),
                'criminal_record_expiry': TODAY + dt.timedelta(days=900),
                })
    return volunteer


def create_base():
    "A hospital with a service and a doctor, a child and a tutor."
    pool = Pool()
    Party = pool.get('party.party')
    Child = pool.get('connexion.child')
    hospital = create_hospital()
    child, = Child.create([{
                'party': Party.create([{'name': "Noé Lambert"}])[0].id,
                'birth_date': TODAY.replace(year=TODAY.year - 9),
                'hospital': hospital.id,
                'service': hospital.services[0].id,
                'pathology': "Leucémie",
                }])
    return hospital, child


def create_child(name="Lina"):
    "A second child (7 years old), with no hospital."
    pool = Pool()
    Party = pool.get('party.party')
    Child = pool.get('connexion.child')
    child, = Child.create([{
                'party': Party.create([{'name': name}])[0].id,
                'birth_date': dt.date(TODAY.year - 7, 1, 1)}])
    return child


class refused:
    """Expect the exception and undo what the failed call wrote.

    The database keeps the rows of a failed create or write until the
    transaction ends (the client's whole request is rolled back): a
    savepoint gives the following steps of the test the same clean state.
    """

    def __init__(self, test, exception):
        self.test = test
        self.exception = exception

    def __enter__(self):
        self.cursor = Transaction().connection.cursor()
        self.cursor.execute('SAVEPOINT dreams_test')
        self.manager = self.test.assertRaises(self.exception)
        return self.manager.__enter__()

    def __exit__(self, *args):
        result = self.manager.__exit__(*args)
        self.cursor.execute('ROLLBACK TO SAVEPOINT dreams_test')
        for cache in Transaction().cache.values():
            cache.clear()
        return result
