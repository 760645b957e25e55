"""Donors and their gifts posted to the accounts (batches, funds and
campaigns, SEPA direct debits, expense waivers, donor history); the tax
receipts are connexion_tax_receipt's."""
