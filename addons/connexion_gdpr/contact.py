"""Where the last contact from a person is recorded, and which records make
her a donor, a member, a hospital contact...

The other modules do not depend on this one: their events are hooked here,
in extensions registered only when they are activated."""
from sql import Null

from trytond import backend
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction


class WebUser(metaclass=PoolMeta):
    "A portal login is a contact from the person."
    __name__ = 'web.user'

    def new_session(self):
        key = super().new_session()
        if self.party:
            Party = Pool().get('party.party')
            Party.gdpr_record_contact(
                [(self.party, Pool().get('ir.date').today())])
        return key


class Consent(metaclass=PoolMeta):
    "Giving or withdrawing a consent (paper, portal, e-mail link) is one."
    __name__ = 'connexion.consent'

    @classmethod
    def on_modification(cls, mode, consents, field_names=None):
        super().on_modification(mode, consents, field_names=field_names)
        if mode == 'create':
            Party = Pool().get('party.party')
            Party.gdpr_record_contact(
                [(c.party, c.date) for c in consents]
                + [(c.guardian, c.date) for c in consents if c.guardian])


class PartyDonation(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_category_sources(cls):
        return super().gdpr_category_sources() + [
            (30, 'donor', 'connexion.donation', 'party'),
            ]

    @classmethod
    def gdpr_retention_blockers(cls, party_ids, limit):
        """Keep anyone who gave since limit (PartyTaxReceipt: a donor whose
        gift awaits its tax receipt)."""
        pool = Pool()
        Donation = pool.get('connexion.donation')
        result = super().gdpr_retention_blockers(party_ids, limit)
        donation = Donation.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                party_ids, backend.MAX_QUERY_PARAMS):
            sub_ids = list(sub_ids)
            checks = [
                ('msg_kept_recent_activity', donation.select(
                        donation.party,
                        where=reduce_ids(donation.party, sub_ids)
                        & (donation.state != 'cancelled')
                        & (donation.date >= limit))),
                ]
            for message, query in checks:
                cursor.execute(*query)
                for party_id, in cursor:
                    result.setdefault(
                        party_id, gettext('connexion_gdpr.' + message))
        return result


class PartyTaxReceipt(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_retention_blockers(cls, party_ids, limit):
        "Keep a donor whose gift awaits its tax receipt."
        pool = Pool()
        Donation = pool.get('connexion.donation')
        Receipt = pool.get('connexion.donation.receipt')
        result = super().gdpr_retention_blockers(party_ids, limit)
        donation, receipt = Donation.__table__(), Receipt.__table__()
        party = cls.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                party_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*donation.join(party,
                    condition=donation.party == party.id).join(
                    receipt, 'LEFT',
                    condition=donation.receipt == receipt.id).select(
                    donation.party,
                    where=reduce_ids(donation.party, list(sub_ids))
                    & (donation.state == 'validated')
                    & (donation.amount > 0)
                    & ((donation.receipt == Null)
                        | (receipt.state != 'issued'))
                    & ((party.receipt_preference == Null)
                        | (party.receipt_preference != 'none'))))
            for party_id, in cursor:
                result.setdefault(party_id,
                    gettext('connexion_gdpr.msg_kept_unreceipted_gift'))
        return result


class Donation(metaclass=PoolMeta):
    "A gift received is a contact from the donor."
    __name__ = 'connexion.donation'

    @classmethod
    def validate_donation(cls, donations):
        super().validate_donation(donations)
        Party = Pool().get('party.party')
        Party.gdpr_record_contact([(d.party, d.date) for d in donations
                if d.state == 'validated'])


class PartyDonationSepa(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_category_sources(cls):
        return super().gdpr_category_sources() + [
            (31, 'donor', 'connexion.donation.plan', 'party'),
            ]

    @classmethod
    def gdpr_retention_blockers(cls, party_ids, limit):
        """Keep a donor whose direct debit plan still runs: that reason
        first, before what the gifts say."""
        Plan = Pool().get('connexion.donation.plan')
        result = super().gdpr_retention_blockers(party_ids, limit)
        plan = Plan.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                party_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*plan.select(plan.party,
                    where=reduce_ids(plan.party, list(sub_ids))
                    & plan.state.in_(['running', 'suspended'])))
            for party_id, in cursor:
                result[party_id] = gettext(
                    'connexion_gdpr.msg_kept_running_plan')
        return result


class Mandate(metaclass=PoolMeta):
    "A mandate signed is a contact from the donor (on its signature date)."
    __name__ = 'account.payment.sepa.mandate'

    @classmethod
    def validate_mandate(cls, mandates):
        super().validate_mandate(mandates)
        Party = Pool().get('party.party')
        today = Pool().get('ir.date').today()
        Party.gdpr_record_contact([(m.party, m.signature_date or today)
                for m in mandates if m.state == 'validated'])


class PartyMembership(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_category_sources(cls):
        return super().gdpr_category_sources() + [
            (40, 'member', 'connexion.membership', 'party'),
            ]

    @classmethod
    def gdpr_retention_blockers(cls, party_ids, limit):
        "Keep anyone who was a member since limit."
        Membership = Pool().get('connexion.membership')
        result = super().gdpr_retention_blockers(party_ids, limit)
        membership = Membership.__table__()
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(
                party_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*membership.select(membership.party,
                    where=reduce_ids(membership.party, list(sub_ids))
                    & (membership.state == 'validated')
                    & (membership.end_date >= limit)))
            for party_id, in cursor:
                result.setdefault(party_id,
                    gettext('connexion_gdpr.msg_kept_recent_activity'))
        return result


class Membership(metaclass=PoolMeta):
    "A fee paid is a contact from the member."
    __name__ = 'connexion.membership'

    @classmethod
    def validate_membership(cls, memberships):
        super().validate_membership(memberships)
        Party = Pool().get('party.party')
        Party.gdpr_record_contact([(m.party, m.date) for m in memberships
                if m.state == 'validated'])


class PartyDreams(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_category_sources(cls):
        return super().gdpr_category_sources() + [
            (10, 'beneficiary', 'connexion.child', 'party'),
            (20, 'family', 'connexion.child.guardian', 'party'),
            (60, 'hospital_contact', 'connexion.hospital.contact', 'party'),
            (70, 'partner', 'connexion.hospital', 'party'),
            (71, 'partner', 'connexion.dream.contribution', 'party'),
            ]
