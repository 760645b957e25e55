"""Recurring gifts collected by SEPA direct debit: plans under a signed
mandate, the monthly debits (pain.008), the donors' pre-notification, the
bank's returns, and the erasure of a donor's SEPA data."""
