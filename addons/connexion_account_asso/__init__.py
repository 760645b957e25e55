"""Associative accounting: the plan comptable associatif as templates of
account_fr's chart, the CROD and CER, the yearly valuation of volunteer
time and the FEC of the association."""
