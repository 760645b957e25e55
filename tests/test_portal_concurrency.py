"""Volunteers signing up at the same moment never overbook a shift.

Eight volunteers post their sign-up to a one-seat shift at once, on the
real server of ``tests/test_portal.py``: one gets the seat, the others the
waiting list. On PostgreSQL the requests really run in parallel (SQLite
serialises writing transactions and hid the overbooking: 8 of 8 were
accepted on PostgreSQL before the shift was locked)."""
import datetime as dt
import threading
import unittest

from tests import test_portal
from tests.test_portal import Client

# Active demo volunteers with a portal account no other test uses.
VOLUNTEERS = [f'benevole{i}@mille-etoiles.example' for i in range(36, 44)]


def setUpModule():
    "Start (or reuse) the portal server of tests/test_portal.py."
    test_portal.setUpModule()


class SeatBookingTest(unittest.TestCase):

    def one_seat_shift(self):
        """A new open mission, without required skills nor children, with
        one shift of one seat in three days."""
        query = test_portal.server.query
        (team,), = query('SELECT MIN(id) FROM connexion_team')
        now = dt.datetime.now().replace(microsecond=0)
        (mission,), = query('INSERT INTO connexion_mission (name, team, '
            'seats, minors, self_signup, state, create_uid, create_date) '
            "VALUES (%s, %s, 1, %s, %s, 'open', 0, %s) RETURNING id",
            "Accueil du concert (une place)", team, False, True,
            str(now))
        start = now + dt.timedelta(days=3)
        (shift,), = query('INSERT INTO connexion_mission_shift (mission, '
            'start, "end", seats, create_uid, create_date) '
            'VALUES (%s, %s, %s, 1, 0, %s) RETURNING id', mission,
            str(start), str(start + dt.timedelta(hours=2)), str(now))
        return shift

    def test_parallel_sign_ups_on_one_seat(self):
        "8 sign-ups at once on a 1-seat shift: 1 seat, 7 on the waiting list"
        shift = self.one_seat_shift()
        clients = []
        for email in VOLUNTEERS:
            client = Client(test_portal.server)
            self.assertEqual(client.login(email)[0], 303, email)
            clients.append((client, client.csrf(client.get('/profil')[2])))
        barrier = threading.Barrier(len(clients))
        statuses = [None] * len(clients)

        def sign_up(index):
            client, token = clients[index]
            barrier.wait()
            statuses[index] = client.post(
                f'/missions/{shift}/inscription', {'csrf': token})[0]

        threads = [threading.Thread(target=sign_up, args=(i,))
            for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        states = dict(test_portal.server.query(
                'SELECT state, COUNT(*) FROM connexion_mission_signup '
                'WHERE shift = %s GROUP BY state', shift))
        self.assertEqual(states.get('accepted'), 1, states)
        # Nobody was turned away with an error: the others wait.
        self.assertEqual(statuses, [303] * len(clients))
        self.assertEqual(states.get('waiting'), len(clients) - 1, states)
