from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin
from connexion_asso.tests.test_duplicate import person
from connexion_asso.tests.test_search import rec_name_search

from .export_tests import ExportTestMixin
from .volunteer_tests import VolunteerTestMixin
from .workflow_tests import WorkflowFieldsTestMixin


class ConnexionVolunteerTestCase(
        VolunteerTestMixin, CronTestMixin, ExportTestMixin, PartyFieldsMixin,
        WorkflowFieldsTestMixin, ModuleTestCase):
    "Test Connexion Volunteer module"
    module = 'connexion_volunteer'

    @with_transaction()
    def test_volunteer_search_by_contact(self):
        """A volunteer's search box does not tell whose e-mail it is: the
        search by e-mail reaches only the people they are in touch with"""
        pool = Pool()
        User = pool.get('res.user')
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')
        Volunteer = pool.get('connexion.volunteer')
        donor = person("Anne Roux", email='anne.roux@exemple.test')
        myself = person("Paul Girard", email='paul.roux@exemple.test')
        user, = User.create([{'login': 'paul', 'name': "Paul Girard",
                    'groups': [('add', [ModelData.get_id(
                                    'connexion_asso', 'group_volunteer')])],
                    }])
        Volunteer.create([{'party': myself.id, 'user': user.id}])

        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(rec_name_search('anne.roux@'), [])
            self.assertEqual(rec_name_search('roux@'), [myself])
            self.assertEqual(rec_name_search('Anne Roux'), [donor])  # name
        self.assertEqual(rec_name_search('roux@'), [donor, myself])


del ModuleTestCase
