import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.cron_tests import CronTestMixin
from connexion_asso.tests.party_tests import PartyFieldsMixin
from connexion_asso.tests.smtp import outbox_mails
from connexion_tax_receipt.tests.support import (
    COMMON_MENTIONS, DONOR_MENTIONS, donor_address, legal_association,
    pdftotext)


def create_yearly_membership(company, party):
    """A validated yearly membership of 2025 paid by check, its fee of 30 €
    without counterpart (receipted as a gift)."""
    pool = Pool()
    MembershipType = pool.get('connexion.membership.type')
    Membership = pool.get('connexion.membership')
    type_, = MembershipType.create([{'name': "Adhésion annuelle",
                'fee': Decimal(30), 'period': 'yearly',
                'with_counterpart': False}])
    membership, = Membership.create([{
                'company': company.id, 'party': party.id,
                'type': type_.id, 'start_date': dt.date(2025, 1, 1),
                'end_date': dt.date(2025, 12, 31),
                'date': dt.date(2025, 1, 10), 'amount': Decimal(30),
                'currency': company.currency.id,
                'payment_method': 'check', 'state': 'validated'}])
    return membership


class MembershipTestCase(CronTestMixin, PartyFieldsMixin, ModuleTestCase):
    "Test Connexion Membership module"
    module = 'connexion_membership'

    @with_transaction()
    def test_membership_reminder_in_member_language(self):
        "Renewal reminders are written in the member's language, else the "
        "association's, else French; not in the cron's"
        pool = Pool()
        Party = pool.get('party.party')
        Lang = pool.get('ir.lang')
        Membership = pool.get('connexion.membership')
        french, = Lang.search([('code', '=', 'fr')])
        Lang.load_translations([french])
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Sans Langue",
                        'contact_mechanisms': [('create', [{
                                        'type': 'email',
                                        'value': 'sans@exemple.test'}])]}])
            create_yearly_membership(company, party)
            with Transaction().set_context(language='en'):
                Membership.send_reminders(dt.date(2025, 12, 20))
        mail, = outbox_mails()
        self.assertEqual(mail['Subject'], "Votre adhésion arrive à échéance")

    @with_transaction()
    def test_receipt_membership_mandatory_mentions(self):
        "A fee without counterpart is receipted as a gift in cash whose "
        "form is 'Autres : cotisation' (BOI-IR-RICI-250-10), with every "
        "mandatory mention (extracted from the PDF by pdftotext)"
        pool = Pool()
        Party = pool.get('party.party')
        Receipt = pool.get('connexion.donation.receipt')
        Membership = pool.get('connexion.membership')
        company = create_company()
        issue_date = dt.date(2026, 1, 15)
        with set_company(company):
            legal_association()
            party, = Party.create([{'name': "Armelle Dujardin",
                        'addresses': donor_address()}])
            membership = create_yearly_membership(company, party)
            receipt, = Receipt.issue([[membership]], date=issue_date)
            self.assertEqual(
                [(l.membership, l.form, l.nature) for l in receipt.lines],
                [(membership, 'membership', 'cash')])
            self.assertEqual(Membership(membership.id).receipt, receipt)
            text = ' '.join(pdftotext(Receipt.render_pdf([receipt.id])).split())
        mentions = COMMON_MENTIONS + DONOR_MENTIONS['individual'] + [
            ("☒ Autres : cotisation sans contrepartie",
                "forme of a fee without counterpart (BOI-IR-RICI-250-10)"),
            ("☒ Chèque", "mode (CERFA)"),
            (receipt.number,
                "unique order number (CERFA header; art. L14 A LPF)"),
            ("Date : 15/01/2026", "date of issue (CERFA)"),
            ]
        for mention, source in mentions:
            with self.subTest(mention=mention):
                self.assertIn(mention, text, source)


del ModuleTestCase
