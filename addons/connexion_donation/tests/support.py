"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests: keeps
what it accepts, and can refuse everything after a number of messages (a
server failing in the middle of a sending)."""
import email
from contextlib import contextmanager

from connexion_asso.tests.smtp import smtp_server

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
    from trytond.pool import Pool
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
    import datetime as dt
    from decimal import Decimal

    from trytond.pool import Pool
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
    donations = Donation.create([{
                'company': company.id, 'party': p.id,
                'currency': company.currency.id,
                'date': dt.date(2025, 3, 1),
                'amount': Decimal(40 + i),
                'payment_method': 'transfer',
                'state': 'validated'}
            for i, p in enumerate(parties)])
    return Receipt.issue([[d] for d in donations],
        kind='annual', date=dt.date(2026, 1, 10))
