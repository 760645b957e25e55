"""Memberships: types, fees posted on 756 and receipted like gifts when
they give no counterpart, renewal reminders and withdrawal."""
