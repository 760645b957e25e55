"""Staff find the probable duplicates after an import (the import's own
matching) and merge each pair through Tryton's Replace wizard."""
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def person(name, email=None, phone=None, postal_code=None):
    Party = Pool().get('party.party')
    mechanisms = [{'type': t, 'value': v} for t, v in [
            ('email', email), ('mobile', phone)] if v]
    addresses = ([{'street': "3 rue des Lilas", 'postal_code': postal_code,
                    'city': "Lyon"}] if postal_code else [])
    party, = Party.create([{'name': name,
                'contact_mechanisms': [('create', mechanisms)],
                'addresses': [('create', addresses)]}])
    return party


class DuplicateTestCase(ModuleTestCase):
    "Probable duplicates"
    module = 'connexion_asso'

    @with_transaction()
    def test_find_and_merge_duplicates(self):
        "Two records of one person are found as a pair and merged by Replace"
        pool = Pool()
        Party = pool.get('party.party')
        Duplicate = pool.get('connexion.party.duplicate')
        Replace = pool.get('party.replace', type='wizard')
        ReplaceAsk = pool.get('party.replace.ask')
        Action = pool.get('ir.action')

        elodie = person("Élodie Marchand", email='elodie@exemple.test',
            postal_code='69004')
        # Imported again: case, accents and word order differ.
        copy = person("MARCHAND Elodie", postal_code='69 004')
        by_mail = person("Paul Girard", email='Paul.Girard@Exemple.test')
        by_mail_2 = person("P. Girard", email='paul.girard@exemple.test')
        by_phone = person("Anne Roux", phone='+33 6 12 34 56 78')
        by_phone_2 = person("Anne-Marie Roux", phone='+33612345678')
        similar = person("Jean Dupont", postal_code='21000')
        similar_2 = person("Jean Dupond", postal_code='21000')
        namesake = person("Jean Dupont", postal_code='75011')

        Duplicate.find()
        pairs = {(d.party, d.other): d.reason for d in Duplicate.search([])}
        self.assertEqual(pairs, {
                (elodie, copy): 'name',
                (by_mail, by_mail_2): 'email',
                (by_phone, by_phone_2): 'phone',
                (similar, similar_2): 'similar',
                })
        self.assertNotIn(namesake, {p for pair in pairs for p in pair})
        self.assertEqual(Duplicate.find(), [])  # found once

        pair, = Duplicate.search([('reason', '=', 'name')])
        action_id = Duplicate.merge([pair])
        action = Action(action_id).get_action_value()
        self.assertEqual(action['wiz_name'], 'party.replace')

        context = {'active_model': 'connexion.party.duplicate',
            'active_id': pair.id, 'active_ids': [pair.id]}
        with Transaction().set_context(context):
            defaults = ReplaceAsk.default_get(['source', 'destination'])
            self.assertEqual(
                (defaults['source'], defaults['destination']),
                (copy.id, elodie.id))
            session_id, _, _ = Replace.create()
            replace = Replace(session_id)
            replace.ask.source = copy
            replace.ask.destination = elodie
            with Transaction().set_context(_skip_warnings=True):
                replace.transition_replace()

        copy = Party(copy.id)
        self.assertFalse(copy.active)
        self.assertEqual(copy.replaced_by, elodie)
        self.assertEqual(Duplicate(pair.id).state, 'merged')

        # A pair that is not one person is dismissed and stays so.
        other, = Duplicate.search([('reason', '=', 'similar')])
        Duplicate.dismiss([other])
        self.assertEqual(Duplicate.find(), [])
        self.assertEqual(Duplicate(other.id).state, 'dismissed')


del ModuleTestCase
