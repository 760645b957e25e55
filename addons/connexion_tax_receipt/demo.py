"""Fictional demo data: the donors' receipt preferences, the legal forms
their companies print, and the tax receipts of the gifts of past years, as
the yearly generation issues them."""
import datetime as dt
import random

from trytond.transaction import Transaction

# Company donors print their legal form and SIREN on their receipts.
COMPANY_FORMS = ["SARL", "SAS", "EURL", "SA"]


def load(pool):
    from connexion_asso.demo import ensure_company
    from connexion_donation.demo import COMPANIES, YEARS
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    Receipt = pool.get('connexion.donation.receipt')
    Generate = pool.get('connexion.donation.receipt.generate', type='wizard')
    company = ensure_company(pool)
    today = pool.get('ir.date').today()
    with Transaction().set_context(
            company=company.id, companies=[company.id]):
        # Natural key: the receipts themselves.
        if Receipt.search([], limit=1):
            return "déjà chargé"
        rng = random.Random(2025)
        donors = sorted({d.party for d in Donation.search([])},
            key=lambda p: p.id)
        companies = {p.name: p for p in donors if p.donor_type == 'company'}
        for i, name in enumerate(COMPANIES):
            if name in companies:
                companies[name].legal_form = COMPANY_FORMS[
                    i % len(COMPANY_FORMS)]
        for party in donors:
            party.receipt_preference = ('annual'
                if party.donor_type == 'company' else rng.choice(
                    ['annual'] * 6 + ['gift'] * 3 + ['none']))
        Party.save(donors)

        receipts = []
        for year in range(today.year - YEARS + 1, today.year):
            annual, per_gift = Generate.groups(year)
            issue_date = min(today, dt.date(year + 1, 1, 20))
            receipts += Receipt.issue(annual, kind='annual', date=issue_date)
            receipts += Receipt.issue(per_gift, kind='gift', date=issue_date)
    return f"{len(receipts)} reçus fiscaux des dons des années passées"
