import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.exceptions import WorkflowDeleteError
from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin
from connexion_asso.tests.smtp import outbox_mails
from connexion_donation.tests.support import validated_gift_values
from connexion_tax_receipt.exceptions import ReceiptedError
from connexion_tax_receipt.tests.support import (
    donor_address, legal_association)


def plans(company, party, identification, states=('running',)):
    "Plans of 20 € a month from January 2026 under a new mandate, by state."
    pool = Pool()
    Mandate = pool.get('account.payment.sepa.mandate')
    Plan = pool.get('connexion.donation.plan')
    mandate, = Mandate.create([{'company': company.id,
                'party': party.id, 'identification': identification}])
    return Plan.create([{'company': company.id,
                'party': party.id, 'amount': Decimal(20),
                'currency': company.currency.id,
                'periodicity': 'monthly',
                'start_date': dt.date(2026, 1, 1),
                'mandate': mandate.id, 'state': state}
            for state in states])


def running_plan(company, party, identification):
    "A running plan of 20 € a month from January 2026 under a new mandate."
    plan, = plans(company, party, identification)
    return plan


def debited_gift(plan, date, state='validated'):
    "The create values of a gift of 20 € of plan debited on date."
    return validated_gift_values(plan.company, plan.party, date,
        Decimal(20), plan=plan.id, payment_method='direct_debit',
        state=state)


class DonationSepaTestCase(CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Donation SEPA module"
    module = 'connexion_donation_sepa'
    # The bank's return of a debit whose gift is on an issued tax receipt
    # goes through the gift's hooks, which connexion_tax_receipt fills.
    extras = ['connexion_tax_receipt']

    @with_transaction()
    def test_failed_debits_follow_gift_workflow(self):
        "A rejected debit cancels its gift through the gifts' own workflow, "
        "which keeps a gift covered by an issued receipt; the plan counts "
        "both failures and is suspended at the limit"
        pool = Pool()
        Party = pool.get('party.party')
        Plan = pool.get('connexion.donation.plan')
        Donation = pool.get('connexion.donation')
        Receipt = pool.get('connexion.donation.receipt')
        Config = pool.get('connexion.donation.configuration')
        company = create_company()
        with set_company(company):
            legal_association()
            Config.write([Config(1)], {'failure_limit': 2})
            party, = Party.create([{'name': "Lucien Ferrand",
                        'addresses': donor_address()}])
            plan = running_plan(company, party, 'DON-0001')
            receipted, returned = Donation.create([
                    debited_gift(plan, dt.date(2026, month, 5))
                    for month in [1, 2]])
            Receipt.issue([[receipted]], date=dt.date(2026, 1, 20))
            # The gift's workflow itself refuses to cancel a receipted gift.
            with self.assertRaises(ReceiptedError):
                Donation.cancel([receipted])

            Donation.debit_failed_([receipted, returned])

            self.assertEqual(
                [(d.state, d.debit_failed)
                    for d in Donation.browse([receipted, returned])],
                [('validated', True), ('cancelled', True)])
            plan = Plan(plan.id)
            self.assertEqual((plan.state, plan.failures), ('suspended', 2))

    @with_transaction()
    def test_delete_draft_only(self):
        "Only a draft plan without gifts, a draft gift without move, is "
        "deleted: the others keep their history (closed, cancelled)"
        pool = Pool()
        Party = pool.get('party.party')
        Plan = pool.get('connexion.donation.plan')
        Donation = pool.get('connexion.donation')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Lucien Ferrand"}])
            running, with_gift, draft = plans(company, party, 'DON-0001',
                ['running', 'draft', 'draft'])
            validated, gift = Donation.create([
                    debited_gift(with_gift, dt.date(2026, 1, 5), state)
                    for state in ['validated', 'draft']])
            for Model, record in [
                    (Plan, running), (Plan, with_gift), (Donation, validated)]:
                with self.subTest(record=record):
                    with self.assertRaises(WorkflowDeleteError):
                        Model.delete([record])
            Donation.delete([gift])
            Plan.delete([draft])
            self.assertEqual({p.id for p in Plan.search([])},
                {running.id, with_gift.id})

    @with_transaction()
    def test_prenotification_in_donor_language(self):
        "SEPA pre-notifications are written in the donor's language, else "
        "the association's, else French; never in the language of the "
        "user or worker that sends them"
        pool = Pool()
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        Donation = pool.get('connexion.donation')
        french, = Lang.search([('code', '=', 'fr')])
        english, = Lang.search([('code', '=', 'en')])
        # As scripts/demo, which activates the modules with -l fr.
        Lang.load_translations([french])
        company = create_company()
        with set_company(company):
            legal_association()

            def debit(name, lang):
                party, = Party.create([{'name': name, 'lang': lang,
                            'contact_mechanisms': [('create', [{
                                            'type': 'email',
                                            'value': f'{name}@exemple.test',
                                            }])]}])
                plan = running_plan(company, party, name)
                donation, = Donation.create([
                        debited_gift(plan, dt.date(2026, 2, 5))])
                return donation
            donations = [debit('francais', french.id),
                debit('english', english.id), debit('sans', None)]
            with Transaction().set_context(language='en'):
                Donation.send_prenotifications(donations)
            self.assertEqual(Transaction().language, 'en')
        # Queued in the outbox with the stamp, sent after the commit.
        sent = outbox_mails()
        self.assertEqual(
            [Donation(d.id).prenotified for d in donations],
            [Pool().get('ir.date').today()] * 3)
        mails = {m['To'].split('@')[0]: m for m in sent}
        self.assertEqual(set(mails), {'francais', 'english', 'sans'})
        for name in ['francais', 'sans']:
            mail = mails[name]
            self.assertEqual(mail['Subject'],
                "Votre don sera prélevé le 05/02/2026")
            body = mail.get_content()
            self.assertIn(f"Bonjour {name},", body)
            self.assertIn("Votre don de 20,00 € sera prélevé sur votre "
                "compte le 05/02/2026.", body)
            self.assertIn(f"Référence unique du mandat (RUM) : {name}",
                body)
        self.assertEqual(mails['english']['Subject'],
            "Your donation will be debited on 05/02/2026")
        self.assertIn("Dear english,", mails['english'].get_content())


del ModuleTestCase
