"""Demo memberships: the three usual types and thirty members among the
donors, one of whom withdrew; last year's fees without counterpart get
their tax receipts."""
import datetime as dt
import random
from decimal import Decimal

from trytond.transaction import Transaction

MEMBERS = 30
TYPES = [
    # name, fee, period, with counterpart
    ("Adhésion annuelle", 30, 'yearly', False),
    ("Membre bienfaiteur", 100, 'yearly', False),
    ("Adhésion avec la revue", 45, 'rolling', True),
    ]


def load(pool):
    from connexion_asso.demo import ensure_company
    Party = pool.get('party.party')
    MembershipType = pool.get('connexion.membership.type')
    Membership = pool.get('connexion.membership')
    Receipt = pool.get('connexion.donation.receipt')
    Generate = pool.get('connexion.donation.receipt.generate', type='wizard')
    company = ensure_company(pool)
    today = pool.get('ir.date').today()
    with Transaction().set_context(
            company=company.id, companies=[company.id]):
        pool.get('connexion.donation.configuration').fill_defaults()
        # Natural key: the memberships themselves.
        if Membership.search([], limit=1):
            return "déjà chargé"
        types = {t.name: t for t in MembershipType.search([])}
        for name, fee, period, counterpart in TYPES:
            if name not in types:
                types[name], = MembershipType.create([{
                            'name': name, 'fee': Decimal(fee),
                            'period': period, 'duration': 12,
                            'with_counterpart': counterpart}])
        rng = random.Random(2026)
        donors = Party.search([
                ('donations.state', '=', 'validated'),
                ('donor_type', '=', 'individual'),
                ], order=[('id', 'ASC')])
        members = rng.sample(donors, min(MEMBERS, len(donors)))
        memberships = []
        for i, party in enumerate(members):
            type_ = types[rng.choice(list(types))]
            start = (dt.date(today.year - (i % 4 == 0), 1, 1)
                if type_.period == 'yearly'
                else today - dt.timedelta(days=rng.randrange(30, 400)))
            memberships.append(Membership(company=company, party=party,
                    type=type_, start_date=start,
                    end_date=type_.end_date(start), date=start,
                    amount=type_.fee, currency=company.currency,
                    payment_method=rng.choice(['check', 'transfer', 'cash'])))
        Membership.save(memberships)
        Membership.validate_membership(memberships)
        Membership.write(memberships[-1:], {
                'withdrawal_date': today,
                'withdrawal_reason': "Déménagement à l'étranger",
                })
        # The fees of past years, receipted as the yearly generation does
        # (the gifts of those years were receipted by the donations' demo).
        receipts = []
        for year in sorted({m.date.year for m in memberships}):
            if year >= today.year:
                continue
            annual, per_gift = Generate.groups(year)
            issue_date = min(today, dt.date(year + 1, 1, 20))
            receipts += Receipt.issue(annual, kind='annual', date=issue_date)
            receipts += Receipt.issue(per_gift, kind='gift', date=issue_date)
    return (f"{len(types)} types d'adhésion, {len(memberships)} adhésions, "
        f"{len(receipts)} reçus fiscaux de cotisations")
