"""The erasure of a donor (party.erase, see party.py) on the SEPA side: the
plans end, the mandates are cancelled, the pain.008 files already sent lose
the donor's name, address and IBAN; a debit not settled yet refuses it."""
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
                    'connexion_donation.msg_erase_pending_debits',
                    party=party.rec_name,
                    debits=', '.join(gettext(
                            'connexion_donation.msg_erase_pending_debit',
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
