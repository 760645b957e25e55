"""The outbox of the e-mails decided one by one (reminders,
pre-notifications): kept with the decision, sent after the commit through
the crash-safe outbox, never lost by an SMTP failure, never sent twice."""
from email.header import decode_header, make_header
from email.message import EmailMessage

from trytond.config import config
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

from .database import DatabaseTestCase
from .smtp import Catcher, Sink, free_port, smtp_server
from .worker import as_task


def decoded(header):
    return str(make_header(decode_header(header)))


def reminder(to, subject):
    message = EmailMessage()
    message['To'] = to
    message['Subject'] = subject
    message.set_content("Bonjour,\nVotre document arrive à échéance.")
    return message


class OutboxTest(DatabaseTestCase):
    modules = ['connexion_asso']

    @with_transaction()
    def test_kept_until_the_server_takes_it(self):
        "Queued, the server down: kept with the error; sent once it is up"
        pool = Pool()
        Message = pool.get('connexion.outbox.message')
        Party = pool.get('party.party')
        party, = Party.create([{'name': "Émile Attente"}])
        first, second = Message.enqueue([
                (reminder('Émile Attente <emile@exemple.test>',
                        "Échéance de votre extrait"), party, None),
                (reminder('zoe@exemple.test', "Rappel 2"), None, None),
                ])
        self.assertEqual((first.state, first.party), ('pending', party))
        self.assertTrue(first.message_id)

        old = config.get('email', 'uri')
        config.set('email', 'uri', f'smtp://127.0.0.1:{free_port()}')
        try:
            self.assertEqual(as_task(Message.send_pending), 0)
        finally:
            config.set('email', 'uri', old)
        first = Message(first.id)
        self.assertEqual(first.state, 'pending')
        self.assertTrue(first.error)

        sink = Sink()
        with smtp_server(sink):
            self.assertEqual(as_task(Message.send_pending), 2)
            # Nothing twice.
            self.assertEqual(as_task(Message.send_pending), 0)
        # Names and subjects as encoded words (RFC 2047), readable by all.
        self.assertEqual(sorted(decoded(m['To']) for m in sink.messages),
            ['zoe@exemple.test', 'Émile Attente <emile@exemple.test>'])
        self.assertEqual(decoded(sink.messages[0]['Subject']),
            "Échéance de votre extrait")
        self.assertTrue(sink.messages[0]['Subject'].isascii())
        self.assertEqual(sink.messages[0]['Message-ID'],
            Message(first.id).message_id)
        self.assertEqual({m.state for m in Message.browse([first, second])},
            {'sent'})
        self.assertTrue(all(m.sent_date for m in Message.browse([first])))

    def test_lines_starting_with_a_dot(self):
        """A line starting with a dot arrives as written (dot-stuffed on the
        wire), the first one included; other messages are sent as they are"""
        from connexion_asso.smtp_delivery import connect, deliver
        mails = []
        messages = [b'.first line\r\n\r\nsecond',
            b'Subject: x\r\n\r\n..two\r\n.\r\nend',
            b'Subject: x\r\n\r\nno dot here.\r\n']
        with smtp_server(Catcher(mails)):
            server = connect()
            try:
                for message in messages:
                    deliver(server, 'Association <asso@exemple.test>',
                        'zoe@exemple.test', message)
            finally:
                server.quit()
        self.assertEqual(mails, [m if m.endswith(b'\r\n') else m + b'\r\n'
                for m in messages])

    @with_transaction()
    def test_erased_person_gets_nothing(self):
        "A message to a person erased before it left is not sent"
        pool = Pool()
        Message = pool.get('connexion.outbox.message')
        Party = pool.get('party.party')
        Erase = pool.get('party.erase', type='wizard')
        party, = Party.create([{'name': "Zoé Effacée"}])
        message, = Message.enqueue([
                (reminder('zoe@exemple.test', "Rappel"), party, None)])
        Party.write([party], {'active': False})
        session_id, _, _ = Erase.create()
        erase = Erase(session_id)
        erase.ask.party = party
        erase.transition_erase()
        sink = Sink()
        with smtp_server(sink):
            self.assertEqual(as_task(Message.send_pending), 0)
        self.assertEqual(sink.messages, [])
        message = Message(message.id)
        self.assertEqual((message.state, message.to, message.content),
            ('failed', None, None))
