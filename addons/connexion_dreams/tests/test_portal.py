"""The volunteer's calendar feed lists their hospital visits and dreams,
over real HTTP, on the server of the portal tests (``portal_server``)."""
import datetime as dt
import re
import unittest

from connexion_portal.tests.portal_client import Client, portal_server

# Active demo volunteers with a portal account, not used by other tests.
ALICE = 'benevole34@mille-etoiles.example'
BASILE = 'benevole35@mille-etoiles.example'


def setUpModule():
    "Start (or reuse) the portal server of the portal tests."
    portal_server()


class CalendarFeedTest(unittest.TestCase):

    def feed(self, email):
        "Log in, follow the home page's agenda link, return the feed."
        client = Client(portal_server())
        self.assertEqual(client.login(email)[0], 303)
        _, _, home = client.get('/')
        status, headers, ics = client.get(
            re.search(r'href="([^"]+\.ics)"', home).group(1))
        self.assertEqual(status, 200)
        self.assertIn('text/calendar', headers['Content-Type'])
        return ics

    def test_visits_and_dreams_in_feed(self):
        "My feed shows my visits and dreams, not another's, no child's name"
        server = portal_server()
        query = server.query

        def volunteer(email):
            (id_,), = query('SELECT v.id FROM connexion_volunteer v '
                'JOIN web_user u ON u.party = v.party WHERE u.email = %s',
                email)
            return id_
        alice, basile = volunteer(ALICE), volunteer(BASILE)
        (visit_a,), (visit_b,) = query(
            "SELECT id FROM connexion_hospital_visit WHERE state = 'planned' "
            "ORDER BY start, id LIMIT 2")
        for visit, who in [(visit_a, alice), (visit_b, basile)]:
            query('INSERT INTO "connexion_hospital_visit-connexion_volunteer"'
                ' (visit, volunteer, create_uid, create_date) '
                'VALUES (%s, %s, 0, CURRENT_TIMESTAMP)', visit, who)
        (dream, child, pathology), = query(
            'SELECT d.id, p.name, c.pathology FROM connexion_dream d '
            'JOIN connexion_child c ON c.id = d.child '
            'JOIN party_party p ON p.id = c.party '
            "WHERE d.dream_date >= %s AND c.pathology IS NOT NULL "
            "AND d.state NOT IN ('refused', 'cancelled') "
            'ORDER BY d.dream_date, d.id LIMIT 1', dt.date.today())
        query('INSERT INTO "connexion_dream-connexion_volunteer" '
            '(dream, volunteer, create_uid, create_date) '
            'VALUES (%s, %s, 0, CURRENT_TIMESTAMP)', dream, alice)

        mine = self.feed(ALICE)
        events = mine.split('BEGIN:VEVENT')[1:]
        visit, = [e for e in events if f'UID:visit-{visit_a}@' in e]
        for prop in ['DTSTAMP:', 'DTSTART:', 'DTEND:', 'LOCATION:',
                "SUMMARY:Visite à l'hôpital"]:
            self.assertIn('\r\n' + prop, visit)
        self.assertNotIn(f'UID:visit-{visit_b}@', mine)
        # The dream is a whole day; the child only by the initial.
        event, = [e for e in events if f'UID:dream-{dream}@' in e]
        self.assertRegex(event, r'DTSTART;VALUE=DATE:\d{8}\r\n')
        self.assertRegex(event, r'DTEND;VALUE=DATE:\d{8}\r\n')
        self.assertIn(f'SUMMARY:Rêve de {child[0]}.\r\n', event)
        unfolded = mine.replace('\r\n ', '')
        for word in child.split() + [pathology]:
            self.assertNotIn(word, unfolded)
        self.assertTrue(all(len(line.encode()) <= 75
                for line in mine.split('\r\n')))

        theirs = self.feed(BASILE)
        self.assertIn(f'UID:visit-{visit_b}@', theirs)
        self.assertNotIn(f'UID:visit-{visit_a}@', theirs)
        self.assertNotIn(f'UID:dream-{dream}@', theirs)
