from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction
from trytond.model.exceptions import ValidationError

from .consent_tests import ConsentTestMixin
from .cron_tests import CronTestMixin
from .export_tests import ExportTestMixin
from .party_tests import PartyFieldsMixin
from .translations import load_french


class ConnexionAssoTestCase(
        ConsentTestMixin, CronTestMixin, ExportTestMixin, PartyFieldsMixin,
        ModuleTestCase):
    "Test Connexion Asso module"
    module = 'connexion_asso'
    party_fields_not_replaced = dict.fromkeys([
            ('connexion.party.duplicate', 'party'),
            ('connexion.party.duplicate', 'other'),
            ], "The pair merged is closed by the merge itself.")

    @with_transaction()
    def test_association_identifiers(self):
        "RNA and SIREN numbers are checked"
        Association = Pool().get('connexion.association')
        association = Association(name="Les Petits Bonheurs")
        association.rna = 'W751234567'
        association.siren = '732829320'
        association.save()
        association.rna = '751234567'
        with self.assertRaises(ValidationError):
            association.save()
        association.rna = 'W751234567'
        association.siren = '732829321'
        with self.assertRaises(ValidationError):
            association.save()

    @with_transaction()
    def test_public_utility_help_translated(self):
        "The RUP help is English in code and French through fr.po"
        pool = Pool()
        Association = pool.get('connexion.association')
        load_french(pool, 'connexion_asso')
        with Transaction().set_context(language='en'):
            help_ = Association.fields_get(
                ['public_utility'])['public_utility']['help']
        self.assertNotIn("utilité", help_)
        with Transaction().set_context(language='fr'):
            help_ = Association.fields_get(
                ['public_utility'])['public_utility']['help']
        self.assertIn("Reconnue d'utilité publique", help_)

    @with_transaction()
    def test_team_membership_gives_group(self):
        "A member gets the team group and loses it when leaving"
        pool = Pool()
        Team = pool.get('connexion.team')
        Member = pool.get('connexion.team.member')
        User = pool.get('res.user')
        user = User(login='alice', name="Alice")
        user.save()
        dreams, hospitals = Team.create([
                {'name': "Rêves"}, {'name': "Hôpitaux"}])
        self.assertTrue(dreams.group)
        self.assertNotEqual(dreams.group, hospitals.group)
        member = Member(team=dreams, user=user, function='referent')
        member.save()
        user = User(user.id)
        self.assertIn(dreams.group, user.groups)
        self.assertNotIn(hospitals.group, user.groups)
        self.assertEqual(dreams.referents, (user,))
        Member.delete([member])
        user = User(user.id)
        self.assertNotIn(dreams.group, user.groups)

    @with_transaction()
    def test_team_dashboard_at_login(self):
        """A member opens the team's dashboard at login, not a blank page;
        actions the user chose come first"""
        pool = Pool()
        Team = pool.get('connexion.team')
        Member = pool.get('connexion.team.member')
        User = pool.get('res.user')
        Action = pool.get('ir.action')
        board, other = Action.search(
            [('type', '=', 'ir.action.act_window')], limit=2)
        user = User(login='carla', name="Carla")
        user.save()
        team = Team(name="Accueil", dashboard=board)
        team.save()
        Member.create([{'team': team.id, 'user': user.id}])
        self.assertEqual(
            User._get_preferences(User(user.id))['actions'], [board.id])
        User.write([user], {'actions': [('add', [other.id])]})
        self.assertEqual(
            User._get_preferences(User(user.id))['actions'], [other.id])

    @with_transaction()
    def test_team_membership_dates(self):
        "A membership that ends before it starts is refused"
        import datetime as dt
        pool = Pool()
        Team = pool.get('connexion.team')
        Member = pool.get('connexion.team.member')
        User = pool.get('res.user')
        user = User(login='bob', name="Bob")
        user.save()
        team = Team(name="Hôpitaux")
        team.save()
        with self.assertRaises(ValidationError):
            Member.create([{
                        'team': team.id, 'user': user.id,
                        'from_date': dt.date(2026, 5, 1),
                        'to_date': dt.date(2026, 4, 1)}])


del ModuleTestCase
