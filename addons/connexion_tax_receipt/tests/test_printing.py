"""What a tax receipt prints: the amount in words, the mandatory mentions
of each kind of receipt (extracted from the PDF), the reduction rates in
force on the dates of the gifts, a reprint identical to the first print.
Run on the database of the module's tests."""
import datetime as dt
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from connexion_asso.tests.database import DatabaseTestCase
from connexion_donation.tests.support import (
    gift_values, validated_gift_values)

from ..words import amount_to_words
from .support import (
    COMMON_MENTIONS, DONOR_MENTIONS, create_company_gift,
    create_validated_donations, legal_association, pdftotext)


KIND_MENTIONS = {
    'gift': [
        ("Date du versement ou du don : 01/01/2025",
            "date of the gift (CERFA)"),
        ("☒ Déclaration de don manuel", "forme (CERFA)"),
        ("☒ Numéraire", "nature (CERFA)"),
        ("☒ Virement, prélèvement, carte bancaire", "mode (CERFA)"),
        ],
    'annual': [
        ("Reçu récapitulatif des dons versés du 01/01/2025 au 03/01/2025",
            "period of a summary receipt (BOI-IR-RICI-250-30)"),
        ],
    'company': [
        ("Date du versement ou du don : 02/05/2025",
            "date of the gift (CERFA 16216)"),
        ],
    'in_kind': [
        ("☒ Autres (don en nature)", "nature (CERFA)"),
        ("Description des biens donnés et méthode de valorisation : "
            "Jouets neufs", "goods and their valuation (CERFA)"),
        ],
    'expense_waiver': [
        ("☒ Frais engagés par les bénévoles dont ils renoncent "
            "expressément au remboursement", "nature (CERFA 11580*05)"),
        ],
    'cancelled': [
        ("ANNULÉ", "a cancelled receipt is kept and marked "
            "(domain-notes: cancel and replace)"),
        ("Motif : Nom mal orthographié", "reason of the cancellation"),
        ("Remplacé par le reçu n°", "the receipt replacing it"),
        ],
    'replacement': [
        ("Ce reçu annule et remplace le reçu n°",
            "the replacement names the receipt it replaces"),
        ],
    }


class ReceiptPrintingTestCase(DatabaseTestCase):
    "What the receipts print"
    modules = ['connexion_tax_receipt']

    def test_amount_to_words(self):
        "Amounts are written in words as French accountants do"
        for amount, words in [
                ('1', "un euro"),
                ('21', "vingt et un euros"),
                ('71', "soixante et onze euros"),
                ('80', "quatre-vingts euros"),
                ('91.50', "quatre-vingt-onze euros et cinquante centimes"),
                ('200', "deux cents euros"),
                ('280000', "deux cent quatre-vingt mille euros"),
                ('1000000', "un million d'euros"),
                ('1250.01', "mille deux cent cinquante euros et un centime"),
                ]:
            with self.subTest(amount=amount):
                self.assertEqual(amount_to_words(Decimal(amount)), words)

    @with_transaction()
    def test_receipt_reprint_unchanged(self):
        "A receipt reprints the same after every setting it prints changed "
        "(association, rates and ceiling, signatory, donor)"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        Identifier = pool.get('party.identifier')
        Config = pool.get('connexion.donation.configuration')
        company = create_company()
        with set_company(company):
            configuration = Config(1)
            configuration.difficulty_assistance = True
            configuration.difficulty_ceiling = Decimal(1000)
            configuration.save()
            donation, = create_validated_donations(company, 1)
            gift = create_company_gift(company)
            receipts = Receipt.issue([[donation], [gift]])
            ids = [r.id for r in receipts]
            before = pdftotext(Receipt.render_pdf(ids))

            legal_association(name="Association Nouveau Nom",
                street="99 avenue Neuve", postal_code='75011', city="Paris",
                rna='W751000001', siren='823456785',
                purpose="Un autre objet", general_interest=False,
                public_utility=True,
                public_utility_decree_date=dt.date(2020, 1, 2),
                public_utility_journal="JO du 05/01/2020",
                signatory_name="Nouveau Signataire",
                signatory_function="Président")
            configuration = Config(1)
            configuration.rate_individual = Decimal(70)
            configuration.rate_company = Decimal(50)
            configuration.rate_difficulty = Decimal(80)
            configuration.difficulty_ceiling = Decimal(2000)
            configuration.save()
            for party in [donation.party, gift.party]:
                Party.write([party], {'name': "Nom Changé",
                        'legal_form': "SA"})
                Address.write(list(party.addresses), {
                        'street': "1 rue Changée", 'city': "Brest",
                        'postal_code': '29200'})
            Identifier.write(list(gift.party.identifiers),
                {'code': '552008443'})
            after = pdftotext(Receipt.render_pdf(ids))
        self.assertEqual(after, before)
        for old in ["Association Les Cerfs-Volants", "3 quai des Brumes",
                "W691000042", "Réaliser les rêves", "Armelle Dujardin",
                "1 rue Haute", "Odile Marchetti, Trésorière",
                "75 % dans la limite de 1 000 €", "SIREN : 732829320",
                "Forme juridique : SARL", "œuvre ou organisme"]:
            self.assertIn(old, before)
        for new in ["Nouveau", "Changé", "SA\n", "552008443", "70 %",
                "2 000 €", "utilité publique par décret"]:
            self.assertNotIn(new, after)

    @with_transaction()
    def test_receipt_company_cerfa(self):
        "Company receipts print the CERFA in force, 16216*02 (2041-MEC-SD)"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        company = create_company()
        with set_company(company):
            legal_association()
            receipt, = Receipt.issue([[create_company_gift(company)]])
            text = pdftotext(Receipt.render_pdf([receipt.id]))
        self.assertEqual(receipt.cerfa, '16216*02')
        self.assertIn("N° 16216*02", text)

    @with_transaction()
    def test_receipt_rates_dated(self):
        "Each gift gets the ceiling in force on its date (1,000 € then "
        "2,000 € from the editable date); a yearly receipt spanning both "
        "says so; companies 60 %, without the 40 % above 2 M€ for such "
        "organisations"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Donation = pool.get('connexion.donation')
        Config = pool.get('connexion.donation.configuration')
        company = create_company()
        with set_company(company):
            configuration = Config(1)
            configuration.difficulty_assistance = True
            configuration.save()
            first, = create_validated_donations(company, 1)
            party = first.party

            def gift(date):
                donation, = Donation.create([validated_gift_values(
                            company, party, date, Decimal(50),
                            payment_method='check')])
                return donation
            before, after = gift(dt.date(2025, 10, 13)), gift(
                dt.date(2025, 10, 14))
            r_before, r_after = Receipt.issue([[before], [after]])
            annual, = Receipt.issue([[first, gift(dt.date(2025, 11, 2))]],
                kind='annual')
            configuration = Config(1)
            configuration.difficulty_ceiling_date = dt.date(2025, 10, 15)
            configuration.save()
            r_moved, = Receipt.issue([[gift(dt.date(2025, 10, 14))]])
            r_company, = Receipt.issue([[create_company_gift(company)]])
            text = ' '.join(pdftotext(
                    Receipt.render_pdf([annual.id])).split())
        self.assertEqual(r_before.rate_text, "75 % dans la limite de "
            "1 000 €, puis 66 % dans la limite de 20 % du revenu imposable "
            "(article 200 du CGI)")
        self.assertIn("75 % dans la limite de 2 000 €, puis 66 %",
            r_after.rate_text)
        self.assertIn("75 % dans la limite de 1 000 € pour les dons "
            "jusqu'au 13/10/2025 et de 2 000 € pour les dons à compter du "
            "14/10/2025, puis 66 %", annual.rate_text)
        self.assertIn(annual.rate_text, text)
        self.assertIn("75 % dans la limite de 1 000 €, puis",
            r_moved.rate_text)
        # Gifts to an organisation helping people in difficulty: no 40 %.
        self.assertEqual(r_company.rate_text, "60 % du montant, y "
            "compris au-delà de 2 000 000 € (dons à un organisme d'aide aux "
            "personnes en difficulté), dans la limite de 20 000 € ou de 5 ‰ "
            "du chiffre d'affaires lorsque ce dernier montant est plus élevé "
            "(article 238 bis du CGI)")

    @with_transaction()
    def test_receipt_company_rates_dated(self):
        "Company receipts state art. 238 bis as in force on the gifts' "
        "dates: 60 %, 40 % on the part of a year's gifts above 2 M€ (not to "
        "organisations helping people in difficulty), within 20,000 € or "
        "5 per mille of turnover, whichever is higher; before the editable "
        "date (1 January 2020) no 40 % and no 20,000 €; a yearly receipt "
        "spanning both says so"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Config = pool.get('connexion.donation.configuration')
        self.assertIn("238 bis", Config.company_rules_date.help)
        self.assertIn("2019-1479", Config.company_rules_date.help)
        self.assertIn("1 ter", Config.rate_company_above.help)
        company = create_company()
        with set_company(company):
            configuration = Config(1)
            self.assertEqual(configuration.company_rules_date,
                dt.date(2020, 1, 1))
            self.assertEqual(configuration.rate_company_above, Decimal(40))
            first = create_company_gift(company)

            def gift(date):
                return create_company_gift(company, first.party, date=date,
                    amount=Decimal(50))
            r_now, = Receipt.issue([[first]])
            r_old, = Receipt.issue([[gift(dt.date(2019, 6, 3))]])
            annual, = Receipt.issue([[gift(dt.date(2019, 12, 20)),
                        gift(dt.date(2020, 1, 10))]], kind='annual')
            configuration.difficulty_assistance = True
            configuration.save()
            r_difficulty, = Receipt.issue([[gift(dt.date(2025, 3, 1))]])
            text = ' '.join(pdftotext(
                    Receipt.render_pdf([annual.id])).split())
        self.assertEqual(r_now.rate_text, "60 % du montant et 40 % de la "
            "fraction des versements de l'exercice supérieure à "
            "2 000 000 €, dans la limite de 20 000 € ou de 5 ‰ du chiffre "
            "d'affaires lorsque ce dernier montant est plus élevé (article "
            "238 bis du CGI)")
        self.assertEqual(r_old.rate_text, "60 % du montant, dans les "
            "limites de l'article 238 bis du CGI applicables à l'exercice "
            "du versement")
        self.assertEqual(annual.rate_text, "pour les dons jusqu'au "
            "31/12/2019, 60 % du montant, dans les limites de l'article "
            "238 bis du CGI applicables à l'exercice du versement ; pour "
            "les dons à compter du 01/01/2020, 60 % du montant et 40 % de "
            "la fraction des versements de l'exercice supérieure à "
            "2 000 000 €, dans la limite de 20 000 € ou de 5 ‰ du chiffre "
            "d'affaires lorsque ce dernier montant est plus élevé (article "
            "238 bis du CGI)")
        self.assertIn(annual.rate_text, text)
        self.assertNotIn("40 %", r_difficulty.rate_text)
        self.assertEqual(r_difficulty.rate_text, "60 % du montant, y "
            "compris au-delà de 2 000 000 € (dons à un organisme d'aide aux "
            "personnes en difficulté), dans la limite de 20 000 € ou de 5 ‰ "
            "du chiffre d'affaires lorsque ce dernier montant est plus élevé "
            "(article 238 bis du CGI)")

    @with_transaction()
    def test_receipt_lines_french_format(self):
        "The gifts listed on a yearly receipt: dates jj/mm/aaaa, amounts "
        "with the separators of Tryton's French language"
        Receipt = Pool().get('connexion.donation.receipt')
        day = dt.date(2025, 3, 4)
        row = {'donor_type': 'individual', 'kind': 'annual',
            'number': '2026-00001', 'donor_name': "Anne Martin",
            'donor_address': "1 rue des Lilas", 'amount': Decimal('1264.5'),
            'date_start': day, 'date_end': dt.date(2025, 12, 31),
            'issue_date': dt.date(2026, 1, 15)}
        lines = [{'date': day, 'form': 'manual', 'nature': 'cash',
                'payment_method': 'check', 'amount': Decimal('1234.5'),
                'in_kind_description': None},
            {'date': dt.date(2025, 12, 1), 'form': 'manual',
                'nature': 'cash', 'payment_method': 'card',
                'amount': Decimal(30), 'in_kind_description': None}]
        values = Receipt.pdf_values(row, lines, None)
        self.assertEqual(values['lines'], [
                ["04/03/2025", "Numéraire", "Chèque", "1\u00a0234,50\u00a0€"],
                ["01/12/2025", "Numéraire", "Carte bancaire", "30,00\u00a0€"]])
        self.assertEqual(values['amount_figures'],
            "***1\u00a0264,50\u00a0€***")
        self.assertEqual(values['date_start'], "04/03/2025")

    @with_transaction()
    def test_receipt_pages_drawn_by_processes(self):
        """A file drawn by forked processes is the file drawn here, and the
        parent's objects are given back to its garbage collector"""
        import gc

        from connexion_tax_receipt import receipt_pdf
        Receipt = Pool().get('connexion.donation.receipt')
        day = dt.date(2025, 3, 4)
        values = []
        for i in range(200):
            row = {'donor_type': 'individual', 'kind': 'annual',
                'number': f'2026-{i + 1:05d}', 'donor_name': f"Donateur {i}",
                'donor_address': "1 rue des Lilas", 'amount': Decimal(i + 1),
                'date_start': day, 'date_end': dt.date(2025, 12, 31),
                'issue_date': dt.date(2026, 1, 15)}
            lines = [{'date': day, 'form': 'manual', 'nature': 'cash',
                    'payment_method': 'check', 'amount': Decimal(i + 1),
                    'in_kind_description': None}]
            values.append(Receipt.pdf_values(row, lines, None))
        frozen = gc.get_freeze_count()
        forked = receipt_pdf.render(values, processes=2)
        self.assertEqual(gc.get_freeze_count(), frozen)
        self.assertEqual(forked, receipt_pdf.render(values, processes=1))

    @with_transaction()
    def test_receipt_prints_no_fee_by_itself(self):
        "The wording of the forms and natures comes from hooks that "
        "connexion_membership extends: without it, nothing on a receipt "
        "speaks of a membership fee, whatever its lines say"
        Receipt = Pool().get('connexion.donation.receipt')
        day = dt.date(2025, 3, 4)
        row = {'donor_type': 'individual', 'kind': 'annual',
            'number': '2026-00001', 'donor_name': "Anne Martin",
            'donor_address': "1 rue des Lilas", 'amount': Decimal(30),
            'date_start': day, 'date_end': day,
            'issue_date': dt.date(2026, 1, 15)}
        lines = [{'date': day, 'form': 'membership', 'nature': 'cash',
                'payment_method': 'check', 'amount': Decimal(30),
                'in_kind_description': None}]
        values = Receipt.pdf_values(row, lines, None)
        self.assertEqual(values['lines'],
            [["04/03/2025", "Numéraire", "Chèque", "30,00\u00a0€"]])
        self.assertIn("☐ Autres", values['forms'])
        self.assertNotIn("otisation", repr(values))

    @with_transaction()
    def test_receipt_kinds_mandatory_mentions(self):
        "Every kind of receipt prints every mandatory mention (extracted "
        "from the PDF by pdftotext)"
        pool = Pool()
        Receipt = pool.get('connexion.donation.receipt')
        Donation = pool.get('connexion.donation')
        company = create_company()
        issue_date = dt.date(2026, 1, 15)
        with set_company(company):
            receipts = {}
            gift, = create_validated_donations(company, 1)
            receipts['gift'], = Receipt.issue([[gift]], date=issue_date)
            gifts = create_validated_donations(company, 3)
            receipts['annual'], = Receipt.issue(
                [gifts], kind='annual', date=issue_date)
            receipts['company'], = Receipt.issue(
                [[create_company_gift(company)]], date=issue_date)
            party = gift.party
            in_kind, waiver = Donation.create([gift_values(company, party,
                        date=dt.date(2025, 4, 1), amount=Decimal(80),
                        nature=nature, state='validated',
                        in_kind_description=description)
                    for nature, description in [
                        ('in_kind', "Jouets neufs (valeur facturée)"),
                        ('expense_waiver', None)]])
            receipts['in_kind'], = Receipt.issue([[in_kind]], date=issue_date)
            receipts['expense_waiver'], = Receipt.issue(
                [[waiver]], date=issue_date)
            cancelled, = Receipt.issue(
                [create_validated_donations(company, 1)], date=issue_date)
            Receipt.write([cancelled], {'cancel_reason': "Nom mal orthographié"})
            Receipt.replace([cancelled])
            receipts['cancelled'] = Receipt(cancelled.id)
            receipts['replacement'] = receipts['cancelled'].replaced_by
            texts = {kind: ' '.join(pdftotext(
                        Receipt.render_pdf([r.id])).split())
                for kind, r in receipts.items()}
        today = dt.date.today().strftime('%d/%m/%Y')
        for kind, receipt in receipts.items():
            date = (today if kind == 'replacement'
                else issue_date.strftime('%d/%m/%Y'))
            donor = 'company' if kind == 'company' else 'individual'
            mentions = (COMMON_MENTIONS + DONOR_MENTIONS[donor]
                + KIND_MENTIONS[kind] + [
                    (receipt.number, "unique order number (CERFA "
                        "header; art. L14 A LPF)"),
                    (f"Date : {date}", "date of issue, next to the "
                        "signature (CERFA)")])
            for mention, source in mentions:
                with self.subTest(kind=kind, mention=mention):
                    self.assertIn(mention, texts[kind], source)
        self.assertNotIn("ANNULÉ", texts['replacement'])
