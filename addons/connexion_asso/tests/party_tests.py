"""Checks shared by every Connexion module: Tryton's own ones on the party
Replace and Erase wizards, and that each stored Many2One to party.party the
module adds is merged by party.replace and handled by party.erase."""
from trytond.model import ModelSQL, fields
from trytond.modules.party.tests import (
    PartyCheckEraseMixin, PartyCheckReplaceMixin)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


class PartyFieldsMixin(PartyCheckEraseMixin, PartyCheckReplaceMixin):
    "Mixed into each module's test case (module = the module tested)."
    # {(model name, field name): why the merge must not move it}
    party_fields_not_replaced = {}

    def _party_fields(self):
        "(model name, field name) of the module's stored Many2One to party."
        pool = Pool()
        Field = pool.get('ir.model.field')
        result = []
        for record in Field.search([
                    ('relation', '=', 'party.party'),
                    ('ttype', '=', 'many2one'),
                    ('module', '=', self.module),
                    ]):
            Model = pool.get(record.model)
            field = Model._fields[record.name]
            if (not issubclass(Model, ModelSQL) or Model._is_table_query()
                    or isinstance(field, fields.Function)):
                continue
            result.append((record.model, record.name))
        return result

    @with_transaction()
    def test_party_fields_replaced(self):
        "Merging two parties moves every record of the module that points to one"
        Replace = Pool().get('party.replace', type='wizard')
        declared = set(Replace.fields_to_replace())
        for model_name, field_name in self._party_fields():
            if (model_name, field_name) in self.party_fields_not_replaced:
                continue
            with self.subTest(model=model_name, field=field_name):
                self.assertIn((model_name, field_name), declared)

    @with_transaction()
    def test_party_fields_erased(self):
        "Erasing a party reaches every model of the module that points to one"
        pool = Pool()
        Erase = pool.get('party.erase', type='wizard')
        Session = pool.get('ir.session.wizard')
        party = self.setup_check_erase_party()
        session = Session()
        session.save()
        erased = {Model.__name__
            for Model, *_ in Erase(session.id).to_erase(party.id)}
        for model_name, field_name in self._party_fields():
            with self.subTest(model=model_name, field=field_name):
                self.assertIn(model_name, erased)
