"""Unit tests of consents, mixed into the module's test case."""
import datetime as dt

from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from ..exceptions import ConsentHistoryError, ConsentPurposeError


class ConsentTestMixin:

    @with_transaction()
    def test_consent_history_and_current(self):
        "A change of mind is a new consent; the latest one counts"
        pool = Pool()
        Party = pool.get('party.party')
        Consent = pool.get('connexion.consent')
        party, other = Party.create([{'name': "Inès"}, {'name': "Paul"}])
        today = dt.date.today()
        given, = Party.give_consent(
            [party], 'newsletter', channel='portal',
            date=today - dt.timedelta(days=10), proof="Case cochée")
        # The purpose gives a validity of 36 months.
        self.assertEqual(
            given.expiry_date, given.date.replace(year=given.date.year + 3))
        self.assertTrue(party.has_consent('newsletter'))
        self.assertFalse(other.has_consent('newsletter'))
        self.assertFalse(party.has_consent('image_rights'))
        # Not yet given on a date before the consent.
        self.assertFalse(party.has_consent(
                'newsletter', date=today - dt.timedelta(days=11)))

        withdrawn, = Party.withdraw_consent([party], 'newsletter')
        self.assertFalse(party.has_consent('newsletter'))
        self.assertTrue(party.has_consent(
                'newsletter', date=today - dt.timedelta(days=1)))
        self.assertEqual(
            Consent.search([('party', '=', party.id)]), [withdrawn, given])
        self.assertEqual(
            Consent.search([
                    ('party', '=', party.id), ('current', '=', True)]),
            [withdrawn])
        self.assertFalse(withdrawn.expiry_date)

    @with_transaction()
    def test_consent_expires(self):
        "An expired consent is no consent"
        pool = Pool()
        Party = pool.get('party.party')
        party = Party(name="Léa")
        party.save()
        Party.give_consent(
            [party], 'image_rights', date=dt.date(2020, 1, 1))
        self.assertTrue(party.has_consent(
                'image_rights', date=dt.date(2021, 12, 31)))
        self.assertFalse(party.has_consent(
                'image_rights', date=dt.date(2022, 1, 2)))

    @with_transaction()
    def test_consent_not_overwritten(self):
        "Users cannot edit or delete a recorded consent"
        pool = Pool()
        Party = pool.get('party.party')
        Consent = pool.get('connexion.consent')
        party = Party(name="Marc")
        party.save()
        consent, = Party.give_consent([party], 'newsletter', guardian=None)
        with Transaction().set_context(_check_access=True):
            with self.assertRaises(ConsentHistoryError):
                Consent.write([consent], {'state': 'withdrawn'})
            with self.assertRaises(ConsentHistoryError):
                Consent.delete([consent])
        self.assertEqual(Consent(consent.id).state, 'given')
        with self.assertRaises(ConsentPurposeError):
            Party.give_consent([party], 'no_such_purpose')
