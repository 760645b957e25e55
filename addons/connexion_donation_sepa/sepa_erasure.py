"""The erasure of a donor (party.erase) on the SEPA side: the plans end,
the mandates are cancelled, the pain.008 files already sent lose the
donor's name, address and IBAN; a debit not settled yet refuses it."""
from lxml import etree

from trytond.i18n import gettext
from trytond.modules.party.exceptions import EraseError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import inactive_records, without_check_access

from connexion_asso.formatting import format_amount, format_date


class Plan(metaclass=PoolMeta):
    __name__ = 'connexion.donation.plan'

    @classmethod
    def end_for_erasure(cls, party):
        """Before a donor's data is erased: the plans are closed (the draft
        ones deleted) and the mandates cancelled, so no debit run selects
        them any more; the donor's name, address and IBAN leave the SEPA
        files already sent. A debit not settled yet refuses the erasure
        (check_erase_debits)."""
        pool = Pool()
        Mandate = pool.get('account.payment.sepa.mandate')
        with without_check_access():
            plans = cls.search([('party', '=', party.id)])
            cls.close([p for p in plans
                    if p.state in {'running', 'suspended'}])
            cls.delete([p for p in plans
                    if p.state == 'draft' and not p.donations])
            Mandate.cancel(Mandate.search([
                        ('party', '=', party.id),
                        ('state', 'in', ['requested', 'validated']),
                        ]))
            cls._scrub_sepa_messages(party)

    @classmethod
    def check_erase_debits(cls, party):
        """A debit sent to the bank and not settled can still be paid or
        returned with the donor's data: erasure waits for it."""
        pool = Pool()
        Payment = pool.get('account.payment')
        with without_check_access():
            payments = Payment.search([
                    ('party', '=', party.id),
                    ('state', 'not in', ['succeeded', 'failed']),
                    ], order=[('date', 'ASC'), ('id', 'ASC')])
        if payments:
            raise EraseError(gettext(
                    'connexion_donation_sepa.msg_erase_pending_debits',
                    party=party.rec_name,
                    debits=', '.join(gettext(
                            'connexion_donation_sepa.msg_erase_pending_debit',
                            amount=format_amount(p.amount, symbol=False),
                            date=format_date(p.date)
                            if p.date else '-',
                            number=p.number or p.id)
                        for p in payments)))

    @classmethod
    def _scrub_sepa_messages(cls, party):
        """Rewrite the pain.008 files of the party's debits: its debtor name
        becomes the neutral label, its postal address and IBAN go; the other
        donors' transactions are untouched."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Message = pool.get('account.payment.sepa.message')
        payments = Payment.search([
                ('party', '=', party.id), ('group', '!=', None)])
        if not payments:
            return
        ids = {str(p.id) for p in payments}
        origins = list({str(p.group) for p in payments})
        label = gettext('connexion_donation.msg_erased_description')
        for message in Message.search([('origin', 'in', origins)]):
            if not message.message:
                continue
            tree = etree.fromstring(bytes(message.message))
            changed = False
            for tx in tree.xpath('//*[local-name()="DrctDbtTxInf"]'):
                if tx.xpath('string(.//*[local-name()="EndToEndId"])') \
                        not in ids:
                    continue
                for name in tx.xpath(
                        './*[local-name()="Dbtr"]/*[local-name()="Nm"]'):
                    name.text = label
                for address in tx.xpath(
                        './*[local-name()="Dbtr"]/*[local-name()="PstlAdr"]'):
                    address.getparent().remove(address)
                for iban in tx.xpath('./*[local-name()="DbtrAcct"]'
                        '//*[local-name()="IBAN"]'):
                    iban.text = '****'
                changed = True
            if changed:
                Message.write([message], {'message': etree.tostring(
                            tree, xml_declaration=True, encoding='UTF-8')})

    @classmethod
    def own_account_numbers(cls, party_id):
        """Ids of the numbers of the bank accounts the party owns alone (a
        joint account stays for its other owner)."""
        Account = Pool().get('bank.account')
        with inactive_records():
            accounts = Account.search([('owners', '=', party_id)])
        return [n.id for a in accounts if len(a.owners) == 1
            for n in a.numbers]


class Erase(metaclass=PoolMeta):
    """Erasing a donor: what runs is ended first (the direct debits); the
    debits and mandates stay for the SEPA dispute period without the free
    texts and the donor's own bank account numbers."""
    __name__ = 'party.erase'

    def end_relationships(self, party):
        Plan = Pool().get('connexion.donation.plan')
        super().end_relationships(party)
        Plan.end_for_erasure(party)

    def check_erase(self, party):
        Plan = Pool().get('connexion.donation.plan')
        Plan.check_erase_debits(party)
        super().check_erase(party)

    def to_erase(self, party_id):
        pool = Pool()
        Plan = pool.get('connexion.donation.plan')
        Payment = pool.get('account.payment')
        Mandate = pool.get('account.payment.sepa.mandate')
        Number = pool.get('bank.account.number')
        to_erase = super().to_erase(party_id)
        to_erase.extend([
                (Plan, [('party', '=', party_id)], True, [], []),
                # Direct debits and mandates stay for the SEPA dispute period
                # (13 months) by their number and RUM; the free texts and the
                # donor's own bank account numbers go.
                (Payment, [('party', '=', party_id)], True,
                    ['reference', 'sepa_return_reason_information'],
                    [None, None]),
                (Mandate, [('party', '=', party_id)], True, [], []),
                (Number, [('id', 'in', Plan.own_account_numbers(party_id))],
                    False, ['number', 'number_compact'], ['****', '****']),
                ])
        return to_erase
