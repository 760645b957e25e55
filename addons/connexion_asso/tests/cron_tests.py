"""Checks shared by every Connexion module: its scheduled tasks are
registered the way Tryton's modules register theirs (a method of the ir.cron
selection, extended in the module's ir.py, and an ir.cron record of its XML
for the default schedule) and run as trytond-cron runs them."""
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class CronTestMixin:
    "Mixed into each module's test case (module = the module tested)."

    def _module_crons(self):
        "The ir.cron records of the module's XML."
        pool = Pool()
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        return Cron.browse([d.db_id for d in ModelData.search([
                        ('module', '=', self.module),
                        ('model', '=', 'ir.cron'),
                        ])])

    def _module_methods(self):
        "The methods of the ir.cron selection on the module's models."
        pool = Pool()
        Cron = pool.get('ir.cron')
        Model = pool.get('ir.model')
        models = {m.name for m in Model.search([('module', '=', self.module)])}
        return {m for m, _ in Cron.fields_get(['method'])['method']['selection']
            if m.split('|')[0] in models}

    @with_transaction()
    def test_crons_registered(self):
        "Each scheduled task of the module has its method and its record"
        Cron = Pool().get('ir.cron')
        selection = dict(Cron.fields_get(['method'])['method']['selection'])
        recorded = set()
        for cron in self._module_crons():
            with self.subTest(cron=cron.method):
                self.assertIn(cron.method, selection)
                model, method = cron.method.split('|')
                self.assertTrue(callable(getattr(Pool().get(model), method)))
                recorded.add(cron.method)
        self.assertEqual(self._module_methods() - recorded, set())

    @with_transaction()
    def test_crons_run(self):
        "Each scheduled task of the module runs as trytond-cron runs it"
        for cron in self._module_crons():
            with self.subTest(cron=cron.method), \
                    Transaction().set_user(0), \
                    Transaction().set_context(
                        _cron=cron.method, _skip_warnings=True):
                cron.run_once()
