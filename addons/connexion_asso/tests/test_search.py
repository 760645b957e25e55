"""Staff find a person by part of a name whatever the accents, are proposed
the names close to a misspelt one, and on PostgreSQL the search goes
through indexes of the very expressions Tryton searches (bench/search
measures it at 100,000 contacts)."""
import unittest

from trytond import backend
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .test_duplicate import person


def rec_name_search(text):
    Party = Pool().get('party.party')
    return Party.search([('rec_name', 'ilike', f'%{text}%')],
        order=[('id', 'ASC')])


class SearchTestCase(ModuleTestCase):
    "Finding a person"
    module = 'connexion_asso'

    @with_transaction()
    def test_search_by_name_email_phone_code(self):
        "A name, an e-mail, a phone or a code finds the person, once"
        pool = Pool()
        Identifier = pool.get('party.identifier')
        dupont = person("Jean Dupont", email='jean.dupont@exemple.test')
        by_mail = person("Anne Roux", email='a.dupont-roux@exemple.test')
        by_phone = person("Paul Girard", phone='+33 6 12 34 56 78')
        other = person("Léa Martin", email='lea@exemple.test')
        Identifier.create([{'party': other.id, 'type': None,
                    'code': 'RNA-W691234567'}])

        self.assertEqual(rec_name_search('dupont'), [dupont, by_mail])
        self.assertEqual(rec_name_search('DUPONT'), [dupont, by_mail])
        self.assertEqual(rec_name_search('612345678'), [by_phone])
        self.assertEqual(rec_name_search('W691234'), [])  # code: its start
        self.assertEqual(rec_name_search('RNA-W69'), [other])
        Party = pool.get('party.party')
        Party.write([other], {'code': 'ZX-42'})
        self.assertEqual(rec_name_search('ZX-4'), [other])
        self.assertEqual(rec_name_search('nobody'), [])
        self.assertEqual(
            Party.search_count([('rec_name', 'ilike', '%dupont%')]), 2)
        self.assertEqual(Party.search([
                    ('rec_name', 'not ilike', '%dupont%'),
                    ('id', 'in', [dupont.id, by_mail.id, other.id]),
                    ]), [other])
        # Deactivated people are found only when asked for.
        Party.write([dupont], {'active': False})
        self.assertEqual(rec_name_search('dupont'), [by_mail])
        with Transaction().set_context(active_test=False):
            self.assertEqual(rec_name_search('dupont'), [dupont, by_mail])

    @with_transaction()
    def test_search_without_accents(self):
        "'Francoise' finds 'Françoise', 'ELODIE' finds 'Élodie'"
        francoise = person("Françoise Lefèvre")
        elodie = person("Élodie Marchand")
        person("Franck Martin")

        self.assertEqual(rec_name_search('Francoise'), [francoise])
        self.assertEqual(rec_name_search('françoise'), [francoise])
        self.assertEqual(rec_name_search('lefevre'), [francoise])
        self.assertEqual(rec_name_search('ELODIE'), [elodie])

    @with_transaction()
    def test_suggestions(self):
        "'Dupond' proposes 'Jean Dupont', through the completion too"
        pool = Pool()
        Party = pool.get('party.party')
        dupont = person("Jean Dupont")
        francoise = person("Françoise Lefèvre")
        person("Paul Durand")
        person("Dupuis Marc")

        self.assertEqual(rec_name_search('Dupond'), [])
        self.assertEqual(Party.search_similar('Dupond'), [dupont])
        self.assertEqual(Party.search_similar('dupond jean'), [dupont])
        self.assertEqual(Party.search_similar('Francoize'), [francoise])
        self.assertEqual(Party.search_similar('Lefevbre'), [francoise])
        self.assertEqual(Party.search_similar('Martin'), [])
        self.assertEqual(Party.search_similar('Du'), [])
        self.assertEqual(Party.search_similar(
                'Dupond', domain=[('id', '!=', dupont.id)]), [])

        completion = Party.autocomplete('Dupond', limit=10)
        self.assertEqual(
            [(c['id'], c['name']) for c in completion],
            [(dupont.id, "Jean Dupont")])
        # What contains the text comes first, then what is close to it.
        durant = person("Jean Dupond")
        completion = Party.autocomplete('Dupond', limit=10)
        self.assertEqual([c['id'] for c in completion], [durant.id, dupont.id])

    @with_transaction()
    def test_duplicate_check_shares_suggestions(self):
        "The duplicate check and the suggestions compare names alike"
        from ..duplicate import name_key, name_ratio, similar_names
        # The duplicate check: whole names, same postal code.
        self.assertTrue(similar_names(
                name_key("Jean Dupond"), name_key("Jean Dupont")))
        # The suggestions: the words typed against part of a name.
        self.assertGreater(
            name_ratio(name_key("Dupond"), name_key("Jean Dupont")), 0)
        self.assertGreater(
            name_ratio(name_key("Jean Dupond"), name_key("Jean Dupont")),
            name_ratio(name_key("Dupond"), name_key("Jean Dupont")))
        self.assertEqual(
            name_ratio(name_key("Durand"), name_key("Jean Dupont")), 0)

    @unittest.skipIf(backend.name == 'sqlite', "PostgreSQL indexes")
    @with_transaction()
    def test_postgresql_search_uses_indexes(self):
        """The extensions are installed and every part of a search by
        rec_name, as Tryton writes it, has an index it can use"""
        pool = Pool()
        Party = pool.get('party.party')
        transaction = Transaction()
        database = transaction.database
        cursor = transaction.connection.cursor()
        cursor.execute("SELECT extname FROM pg_extension")
        self.assertLessEqual(
            {'pg_trgm', 'unaccent'}, {e for e, in cursor})
        # [database] unaccent_function names an IMMUTABLE function:
        # Index.Unaccent applies, the name is indexed unaccented.
        self.assertTrue(database.has_unaccent_indexable())
        self.assertTrue(database.has_similarity())
        cursor.execute("SELECT indexdef FROM pg_indexes "
            "WHERE tablename = 'party_party'")
        self.assertTrue(any(
                'gin' in d and 'immutable_unaccent' in d and 'name' in d
                for d, in cursor))

        person("Françoise Lefèvre", email='francoise@exemple.test')
        cursor.execute('ANALYZE party_party')
        cursor.execute('ANALYZE party_contact_mechanism')
        cursor.execute('SET LOCAL enable_seqscan = off')
        for domain in [
                [('rec_name', 'ilike', '%francoise%')],
                [('rec_name', 'ilike', '%françoise%')],
                [('name', 'ilike', '%francoise%')],
                ]:
            query = Party.search(domain, query=True)
            cursor.execute(*query)
            self.assertEqual(len(cursor.fetchall()), 1)
            sql, params = tuple(query)
            cursor.execute('EXPLAIN ' + sql, params)
            plan = '\n'.join(line for line, in cursor)
            self.assertNotIn('Seq Scan on party_party', plan, plan)
            self.assertNotIn('Seq Scan on party_contact_mechanism', plan,
                plan)
        suggestions = Party._similar_candidates("Francoize")
        self.assertEqual([n for _, n in suggestions], ["Françoise Lefèvre"])


del ModuleTestCase
