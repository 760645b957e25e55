"""Test classes on a database of their own, as trytond's ModuleTestCase
sets one up for its class: dropped before the class and after it.

A class that commits (a sending process, a queue worker, pages served on
its own transactions) would otherwise leave its rows to the next class, and
that class's activate_module, finding the database there, would back it up
as the cached template of its modules: a later scenario restored from it
saw the 600 recipients of a crash test. Dropping it also closes the pool's
idle connections, without which PostgreSQL refuses the next restore's
DROP DATABASE (ObjectInUse)."""
from trytond.tests.test_tryton import TestCase, activate_module, drop_db


class DatabaseTestCase(TestCase):
    "The class's modules activated on a fresh database, dropped at the end."
    modules = []

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(cls.modules)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()
