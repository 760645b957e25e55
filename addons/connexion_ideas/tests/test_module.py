import threading
import unittest

from trytond import backend
from trytond.model.exceptions import AccessError, ValidationError
from trytond.model.modelsql import SQLConstraintError
from trytond.modules.company.tests import CompanyTestMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    DB_NAME, ModuleTestCase, activate_module, with_transaction)
from trytond.transaction import Transaction
from connexion_asso.tests.access import as_user
from connexion_asso.tests.cron_tests import CronTestMixin
from ..exceptions import IdeaAnonymityError, VoteError
from connexion_asso.tests.party_tests import PartyFieldsMixin

RAW_EMAIL = (
    "From: Zoé Garnier <zoe.garnier@exemple.org>\r\n"
    "To: idees@mille-etoiles.example\r\n"
    "Subject: Un coin calme à la permanence\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Pourrait-on aménager un coin calme pour les familles ?\r\n"
    ).encode('utf-8')


class ConnexionIdeasTestCase(
        CompanyTestMixin, CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Ideas module"
    module = 'connexion_ideas'

    def _users(self):
        "A Dreams member, a Hospitals member and a back-office volunteer."
        pool = Pool()
        User = pool.get('res.user')
        Team = pool.get('connexion.team')
        ModelData = pool.get('ir.model.data')
        dreams, hospitals = Team.create([
                {'name': "Rêves", 'group': ModelData.get_id(
                        'connexion_asso', 'group_team_dreams')},
                {'name': "Hôpitaux", 'group': ModelData.get_id(
                        'connexion_asso', 'group_team_hospitals')},
                ])
        alice, bruno, chloe = User.create([
                {'login': 'alice', 'name': "Alice Perrin"},
                {'login': 'bruno', 'name': "Bruno Caron"},
                {'login': 'chloe', 'name': "Chloé Baron", 'groups': [
                        ('add', [ModelData.get_id(
                                    'connexion_asso', 'group_volunteer')])]},
                ])
        Team.write([dreams], {'memberships': [('create', [
                            {'user': alice.id, 'function': 'referent'}])]})
        Team.write([hospitals], {'memberships': [('create', [
                            {'user': bruno.id, 'function': 'referent'}])]})
        return dreams, hospitals, User(alice.id), User(bruno.id), chloe

    @with_transaction()
    def test_anonymous_idea_stores_no_author(self):
        "Nothing in the database tells who entered an anonymous idea"
        pool = Pool()
        Idea = pool.get('connexion.idea')
        Party = pool.get('party.party')
        dreams, _, alice, _, _ = self._users()
        author, = Party.create([{'name': "Noé Lambert"}])
        with as_user(alice):
            anonymous, named = Idea.create([{
                        'title': "Moins de réunions", 'text': "…",
                        'team': dreams.id, 'anonymous': True,
                        }, {
                        'title': "Plus de goûters", 'text': "…",
                        'team': dreams.id, 'author': author.id,
                        }])
        self.assertEqual(Idea(anonymous.id).title, "Moins de réunions")

        table = Idea.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                table.id, table.author, table.create_uid, table.write_uid,
                where=table.id.in_([anonymous.id, named.id])))
        rows = {r[0]: r[1:] for r in cursor}
        self.assertEqual(rows[anonymous.id], (None, 0, None))
        self.assertEqual(rows[named.id], (author.id, alice.id, None))

        # Edits before the review (as through RPC, which logs) leave no
        # trace of who made them; the review itself is logged.
        Log = pool.get('ir.model.log')
        transaction = Transaction()
        with as_user(alice), transaction.set_context(_log=True):
            Idea.write([Idea(anonymous.id)], {'text': "Le soir, en visio."})
            Idea.write([Idea(named.id)], {'text': "Le mercredi."})
        transaction._store_log_records()
        self.assertEqual(
            Log.search([('resource', '=', str(anonymous))]), [])
        self.assertEqual(
            [l.user for l in Log.search([('resource', '=', str(named))])],
            [alice])
        with as_user(alice), transaction.set_context(_log=True):
            Idea.review([Idea(anonymous.id)])
        transaction._store_log_records()
        self.assertTrue(Log.search([('resource', '=', str(anonymous))]))

        with self.assertRaises(IdeaAnonymityError):
            Idea.write([Idea(anonymous.id)], {'anonymous': False})
        with self.assertRaises(Exception):
            Idea.write([Idea(anonymous.id)], {'author': author.id})

    @with_transaction()
    def test_no_vote_for_own_idea(self):
        "An idea's support comes from others: its author cannot vote for it"
        pool = Pool()
        Party = pool.get('party.party')
        Idea = pool.get('connexion.idea')
        Vote = pool.get('connexion.idea.vote')
        author, other = Party.create([
                {'name': "Inès Royer"}, {'name': "Paul Garnier"}])
        idea, = Idea.create([{'title': "Un potager", 'text': "…",
                    'author': author.id}])
        Vote.create([{'idea': idea.id, 'party': other.id}])
        with self.assertRaisesRegex(VoteError, "Un potager"):
            Vote.create([{'idea': idea.id, 'party': author.id}])

    @with_transaction()
    def test_team_rights_on_ideas(self):
        "A referent updates the ideas of her team, not another team's"
        pool = Pool()
        Idea = pool.get('connexion.idea')
        dreams, hospitals, alice, bruno, chloe = self._users()
        dream_idea, hospital_idea = Idea.create([
                {'title': "Idée rêves", 'text': "…", 'team': dreams.id,
                    'anonymous': True},
                {'title': "Idée hôpitaux", 'text': "…",
                    'team': hospitals.id, 'anonymous': True},
                ])
        self.assertEqual(dream_idea.referent, alice)
        with as_user(alice):
            Idea.review([Idea(dream_idea.id)])
            Idea.write([Idea(dream_idea.id)], {'answer': "Bien reçu."})
            self.assertEqual(len(Idea.search([])), 2)
            with self.assertRaises(AccessError):
                Idea.write([Idea(hospital_idea.id)], {'answer': "Non."})
        with as_user(bruno):
            Idea.write([Idea(hospital_idea.id)], {'answer': "Oui."})

    @with_transaction()
    def test_volunteer_rights(self):
        "A volunteer reads ideas and the published FAQ only"
        pool = Pool()
        Idea = pool.get('connexion.idea')
        Topic = pool.get('connexion.faq.topic')
        Entry = pool.get('connexion.faq.entry')
        dreams, _, _, _, chloe = self._users()
        idea, = Idea.create([{'title': "Idée", 'text': "…",
                    'team': dreams.id, 'anonymous': True}])
        topic, = Topic.create([{'name': "Projet", 'entries': [('create', [
                            {'question': "Pourquoi ?", 'answer': "Pour…"},
                            {'question': "Brouillon", 'answer': "…",
                                'published': False},
                            ])]}])
        with as_user(chloe):
            self.assertEqual(len(Idea.search([])), 1)
            self.assertEqual(
                [e.question for e in Entry.search([])], ["Pourquoi ?"])
            with self.assertRaises(AccessError):
                Idea.write([Idea(idea.id)], {'title': "Autre"})
            with self.assertRaises(AccessError):
                Idea.create([{'title': "X", 'text': "…", 'anonymous': True}])

    @with_transaction()
    def test_inbound_email_creates_idea(self):
        "An e-mail to the idea box becomes a named idea of its sender"
        pool = Pool()
        Inbox = pool.get('inbound.email.inbox')
        Email = pool.get('inbound.email')
        Idea = pool.get('connexion.idea')
        inbox, = Inbox.create([{'name': "Boîte à idées", 'rules': [
                        ('create', [{
                                    'destination': r'idees@',
                                    'action':
                                    'connexion.idea|from_inbound_email',
                                    }])]}])
        emails = [Email(inbox=inbox, data=RAW_EMAIL, data_type='raw')
            for _ in range(2)]
        Email.save(emails)
        Email.process(emails)
        first, second = [e.result for e in emails]
        self.assertEqual(first.__name__, 'connexion.idea')
        self.assertEqual(first.title, "Un coin calme à la permanence")
        self.assertIn("coin calme pour les familles", first.text)
        self.assertEqual(first.channel, 'email')
        self.assertEqual(first.author.name, "Zoé Garnier")
        self.assertEqual(second.author, first.author)
        self.assertEqual(len(Idea.search([])), 2)

    @with_transaction(context={'language': 'fr'})
    def test_demo(self):
        "The demo loads 40 ideas in every state and the FAQ"
        pool = Pool()
        Idea = pool.get('connexion.idea')
        Topic = pool.get('connexion.faq.topic')
        Lang = pool.get('ir.lang')
        from connexion_asso import demo as asso_demo
        from connexion_ideas import demo
        # As scripts/demo, which activates the modules with -l fr.
        Lang.write(Lang.search([('code', '=', 'fr')]), {'translatable': True})
        asso_demo.load(pool)
        summary = demo.load(pool)
        self.assertIn("40 idées créées", summary)

        ideas = Idea.search([])
        self.assertEqual(len(ideas), 40)
        self.assertEqual(
            {i.state for i in ideas},
            {s for s, _ in Idea.state.selection})
        anonymous = [i for i in ideas if i.anonymous]
        self.assertTrue(anonymous)
        self.assertTrue(all(not i.author and i.create_uid.id == 0
                for i in anonymous))
        self.assertTrue(all(i.answer for i in ideas
                if i.state in {'done', 'rejected', 'duplicate'}))
        self.assertTrue(all(i.duplicate_of for i in ideas
                if i.state == 'duplicate'))
        self.assertTrue(any(i.vote_count for i in ideas))
        self.assertEqual(
            sum(len(t.entries) for t in Topic.search([])), 9)

        # Idempotent: a second run adds nothing.
        self.assertIn("0 idées créées", demo.load(pool))
        self.assertEqual(Idea.search_count([]), 40)

    @unittest.skipUnless(
        backend.name == 'postgresql', "concurrency needs PostgreSQL")
    def test_one_vote_per_person_concurrently(self):
        "Two simultaneous votes of one person: the database keeps one"
        activate_module('connexion_ideas')
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Party = pool.get('party.party')
            Idea = pool.get('connexion.idea')
            party, = Party.create([{'name': "Votante pressée"}])
            idea, = Idea.create([{'title': "Vote double", 'text': "…",
                        'anonymous': True}])
            party_id, idea_id = party.id, idea.id
            transaction.commit()

        barrier = threading.Barrier(2, timeout=60)
        outcomes = []

        def vote():
            try:
                with Transaction().start(DB_NAME, 0) as transaction:
                    Vote = Pool().get('connexion.idea.vote')
                    already = Vote.search([
                            ('idea', '=', idea_id),
                            ('party', '=', party_id)])
                    # Both have checked before either inserts.
                    barrier.wait()
                    if not already:
                        Vote.create([{'idea': idea_id, 'party': party_id}])
                    transaction.commit()
                outcomes.append('saved')
            except SQLConstraintError:
                outcomes.append('refused')

        threads = [threading.Thread(target=vote) for _ in range(2)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.assertEqual(sorted(outcomes), ['refused', 'saved'])
            with Transaction().start(DB_NAME, 0):
                Vote = Pool().get('connexion.idea.vote')
                self.assertEqual(
                    Vote.search_count([('idea', '=', idea_id)]), 1)
        finally:
            with Transaction().start(DB_NAME, 0) as transaction:
                pool = Pool()
                pool.get('connexion.idea').delete(
                    [pool.get('connexion.idea')(idea_id)])
                pool.get('party.party').delete(
                    [pool.get('party.party')(party_id)])
                transaction.commit()


del ModuleTestCase
