"""Donors, donations posted to the accounts, and French tax receipts."""
