"""Helpers of the tax receipts' tests, used by the modules that extend the
receipts too: a real SMTP server on loopback (aiosmtpd) that keeps what it
accepts and can refuse everything after a number of messages (a server
failing in the middle of a sending), a legal association, a donor's
address, receipts ready to e-mail, the text of a PDF and the mandatory
mentions of a receipt."""
import datetime as dt
import email
import io
import subprocess
from contextlib import contextmanager
from decimal import Decimal

from trytond.pool import Pool

from connexion_asso.tests.smtp import smtp_server
from connexion_donation.tests.support import validated_gift_values

from .tools import LEGAL_ASSOCIATION


class Mailbox:
    "Messages accepted; refuse_after: answer 451 once that many accepted."

    def __init__(self, refuse_after=None):
        self.received = []
        self.refuse_after = refuse_after

    async def handle_DATA(self, server, session, envelope):
        if (self.refuse_after is not None
                and len(self.received) >= self.refuse_after):
            return '451 Local error in processing'
        self.received.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return '250 Message accepted for delivery'


@contextmanager
def loopback_smtp(mailbox):
    "Serve mailbox on a free loopback port, set as trytond's [email] uri."
    with smtp_server(mailbox):
        yield mailbox


def legal_association(**values):
    """The association with everything a valid tax receipt prints (general
    interest, address, purpose, signatory); values override."""
    Association = Pool().get('connexion.association')
    association = Association.get_singleton() or Association(name="x")
    for name, value in dict(LEGAL_ASSOCIATION, **values).items():
        setattr(association, name, value)
    association.save()
    return association


def donor_address(street="1 rue Haute", postal_code='21000', city="Dijon"):
    "The create value of a complete French postal address."
    return [('create', [{'street': street, 'postal_code': postal_code,
                    'city': city}])]


def annual_receipts(company, donors):
    """The annual receipts (2026-01-10) of a validated 2025 transfer of
    40 + i euros by each (name, e-mail or None) of donors, with their
    addresses: receipts ready to e-mail."""
    pool = Pool()
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    Receipt = pool.get('connexion.donation.receipt')
    parties = Party.create([{
                'name': name,
                'addresses': donor_address(),
                'contact_mechanisms': [('create', [{
                                'type': 'email', 'value': email}])]
                if email else [],
                } for name, email in donors])
    donations = Donation.create([
            validated_gift_values(company, p, dt.date(2025, 3, 1),
                Decimal(40 + i))
            for i, p in enumerate(parties)])
    return Receipt.issue([[d] for d in donations],
        kind='annual', date=dt.date(2026, 1, 10))


def pdftotext(content):
    "The text of a PDF as poppler's pdftotext extracts it (layout kept)."
    return subprocess.run(['pdftotext', '-layout', '-', '-'], input=content,
        capture_output=True, check=True).stdout.decode()


def pdf_text(content):
    from pypdf import PdfReader
    return ' '.join(' '.join(p.extract_text().split())
        for p in PdfReader(io.BytesIO(content)).pages)


# Mandatory mentions of a tax receipt, with their source (see
# /work/shared/domain-notes.md): CERFA 11580*05 (form 2041-RD) for
# individuals, CERFA 16216*02 (form 2041-MEC-SD) for companies, art. 200,
# 238 bis and 1740 A of the CGI, BOI-IR-RICI-250-30.
COMMON_MENTIONS = [
    ("Numéro d'ordre du reçu", "unique order number (CERFA header)"),
    ("Bénéficiaire des versements", "beneficiary block (CERFA)"),
    ("Nom ou dénomination : Association Les Cerfs-Volants",
        "beneficiary name (CERFA)"),
    ("Adresse : 3 quai des Brumes, 69002 Lyon",
        "beneficiary address (CERFA)"),
    ("Numéro RNA : W691000042",
        "beneficiary SIREN or RNA (CERFA 11580*05, 16216)"),
    ("Objet : Réaliser les rêves d'enfants gravement malades",
        "objet social, explicit (CERFA; BOI-IR-RICI-250-30)"),
    ("Qualité de l'organisme : œuvre ou organisme d'intérêt général",
        "quality of the organisation, the one it has (CERFA boxes; "
        "art. 200 and 238 bis CGI)"),
    ("***", "amount in figures framed by asterisks when printed by a "
        "computer (BOI-IR-RICI-250-30)"),
    ("€***", "amount in euros, framed"),
    ("Somme en toutes lettres :", "amount in words (CERFA)"),
    ("Le bénéficiaire certifie sur l'honneur que les dons et versements "
        "qu'il reçoit ouvrent droit à la réduction d'impôt",
        "certification (CERFA)"),
    ("Forme du don :", "forme: acte authentique, sous seing privé, don "
        "manuel, autre (CERFA)"),
    ("Nature du don :", "nature: numéraire, titres, autres, abandons "
        "(CERFA)"),
    ("Mode de versement du don :", "mode de versement: espèces, chèque, "
        "virement/prélèvement/carte (CERFA)"),
    ("Odile Marchetti, Trésorière", "signatory, an authorised person "
        "(CERFA; BOI-IR-RICI-250-30)"),
    ]
DONOR_MENTIONS = {
    'individual': [
        ("N° 11580*05", "form of individuals: CERFA 11580*05 (2041-RD)"),
        ("Reçu au titre des dons à certains organismes",
            "title of CERFA 11580*05"),
        ("Nom et prénoms : Armelle Dujardin", "donor's name (CERFA)"),
        ("Adresse : 1 rue Haute, 21000 Dijon",
            "donor's full address (CERFA)"),
        ("☒ 200 du CGI", "reduction of art. 200 CGI (income tax)"),
        ],
    'company': [
        ("N° 16216*02", "form of companies: CERFA 16216 (2041-MEC-SD), "
            "version 02"),
        ("Reçu des dons et versements effectués par",
            "title of CERFA 16216"),
        ("Dénomination : Boulangerie du Four", "company's name (CERFA 16216)"),
        ("Forme juridique : SARL", "company's legal form (CERFA 16216)"),
        ("SIREN : 732829320", "company's SIREN (CERFA 16216)"),
        ("Adresse : 9 rue du Four, 21000 Dijon",
            "company's address (CERFA 16216)"),
        ("☒ 238 bis du CGI", "reduction of art. 238 bis CGI"),
        ],
    }


def create_validated_donations(company, count):
    "Validated gifts without move: enough to issue receipts."
    pool = Pool()
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    legal_association()
    party, = Party.create([{'name': "Armelle Dujardin",
                'addresses': donor_address()}])
    return Donation.create([
            validated_gift_values(company, party, dt.date(2025, 1, 1 + i),
                Decimal(10 + i))
            for i in range(count)])


def company_donor(legal_form="SARL", siren='732829320'):
    """A company donor with its address and, unless None, its legal form
    and SIREN (what a CERFA 16216 receipt needs)."""
    Party = Pool().get('party.party')
    values = {'name': "Boulangerie du Four", 'donor_type': 'company',
        'addresses': donor_address("9 rue du Four")}
    if legal_form:
        values['legal_form'] = legal_form
    if siren:
        values['identifiers'] = [('create', [{
                        'type': 'fr_siren', 'code': siren}])]
    party, = Party.create([values])
    return party


def create_company_gift(company, party=None, **values):
    """A validated gift of a company donor, by default one with its SIREN
    and legal form (a CERFA 16216 receipt)."""
    Donation = Pool().get('connexion.donation')
    legal_association()
    if party is None:
        party = company_donor()
    values = dict({'date': dt.date(2025, 5, 2), 'amount': Decimal(500),
            'donor_type': 'company'}, **values)
    donation, = Donation.create([
            validated_gift_values(company, party, **values)])
    return donation
