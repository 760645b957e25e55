"""Donor segments of the campaigns, when connexion_donation is activated:
donors by amount, recency and donation campaign, LYBUNT and SYBUNT (gave
Last / Some Year But Unfortunately Not This year) for reactivation appeals.
The consent filter of the campaign still applies to them."""
from decimal import Decimal

from sql.aggregate import Sum
from sql.conditionals import Coalesce
from sql.functions import Extract

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

DONOR_SEGMENTS = {'donors', 'lybunt', 'sybunt'}


class Campaign(metaclass=PoolMeta):
    __name__ = 'connexion.marketing.campaign'

    donation_campaign = fields.Many2One(
        'connexion.donation.campaign', "Donation Campaign",
        ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('segment') != 'donors',
            },
        help="Only the donors who gave to this fundraising campaign.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.segment.selection = cls.segment.selection + [
            ('donors', "Donors"),
            ('lybunt', "LYBUNT: Gave Last Year, Not This Year"),
            ('sybunt', "SYBUNT: Gave Before, Not Last Year Nor This Year"),
            ]

    def segment_party_ids(self):
        if self.segment not in DONOR_SEGMENTS:
            return super().segment_party_ids()
        return self.donor_ids()

    def donor_ids(self, date=None):
        "Ids of the parties of the donor segment (validated donations)."
        pool = Pool()
        Donation = pool.get('connexion.donation')
        date = date or pool.get('ir.date').today()
        donation = Donation.__table__()
        cursor = Transaction().connection.cursor()
        validated = donation.state == 'validated'
        if self.segment == 'donors':
            where = validated
            if self.donation_from:
                where &= donation.date >= self.donation_from
            if self.donation_to:
                where &= donation.date <= self.donation_to
            if self.donation_campaign:
                where &= donation.campaign == self.donation_campaign.id
            # The minimum is compared in Python: SQLite would compare the
            # sum with the Decimal parameter as text.
            minimum = self.donation_min_amount or 0
            cursor.execute(*donation.select(donation.party,
                    Coalesce(Sum(donation.amount), 0),
                    where=where, group_by=[donation.party]))
            return {p for p, total in cursor
                if Decimal(str(total)) >= minimum}
        year = Extract('YEAR', donation.date)
        cursor.execute(*donation.select(donation.party, year,
                where=validated, group_by=[donation.party, year]))
        years = {}
        for party, year in cursor:
            years.setdefault(party, set()).add(int(year))
        this_year = date.year
        if self.segment == 'lybunt':
            return {p for p, y in years.items()
                if this_year - 1 in y and this_year not in y}
        return {p for p, y in years.items()
            if min(y) < this_year - 1
            and not y & {this_year - 1, this_year}}
