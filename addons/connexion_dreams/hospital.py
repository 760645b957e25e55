"""Hospitals and their services: where the association meets the children.

A hospital is a party (address, phone, e-mail live there); the association
adds its services, the people it works with and the partnership agreement.
Documents (agreement, charters) are attachments of the hospital.
"""
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.pyson import Eval

CONTACT_ROLES = [
    ('doctor', "Doctor"),
    ('nurse', "Nurse"),
    ('social_worker', "Social Worker"),
    ('play_specialist', "Play Specialist"),
    ('manager', "Head of Department"),
    ('other', "Other"),
    ]


class Hospital(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.hospital'

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='RESTRICT',
        help="The hospital as a party: address, phone and e-mail.")
    services = fields.One2Many(
        'connexion.hospital.service', 'hospital', "Services")
    contacts = fields.One2Many(
        'connexion.hospital.contact', 'hospital', "Contacts")
    team = fields.Many2One(
        'connexion.team', "Team in Charge", ondelete='RESTRICT')
    referent = fields.Many2One(
        'res.user', "Referent", ondelete='RESTRICT',
        help="The member of the association who follows this hospital.")
    agreement_start = fields.Date("Agreement Start")
    agreement_end = fields.Date(
        "Agreement End",
        domain=[
            ('agreement_end', '>=', Eval('agreement_start', None)),
            ])
    notes = fields.Text("Notes")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('party_unique', Unique(t, t.party),
                'connexion_dreams.msg_hospital_party_unique'),
            ]

    def get_rec_name(self, name):
        return self.party.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]


class Service(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.hospital.service'

    hospital = fields.Many2One(
        'connexion.hospital', "Hospital", required=True, ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    location = fields.Char("Location", help="Building, floor, wing.")
    phone = fields.Char("Phone")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    def get_rec_name(self, name):
        return f'{self.name} ({self.hospital.rec_name})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return ['OR',
            ('name',) + tuple(clause[1:]),
            ('hospital.rec_name',) + tuple(clause[1:]),
            ]


class Contact(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.hospital.contact'

    hospital = fields.Many2One(
        'connexion.hospital', "Hospital", required=True, ondelete='CASCADE')
    service = fields.Many2One(
        'connexion.hospital.service', "Service", ondelete='SET NULL',
        domain=[('hospital', '=', Eval('hospital', -1))])
    party = fields.Many2One(
        'party.party', "Person", required=True, ondelete='RESTRICT')
    role = fields.Selection(CONTACT_ROLES, "Role", required=True)
    email = fields.Char("E-Mail")
    phone = fields.Char("Phone")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('party_hospital_unique', Unique(t, t.hospital, t.party),
                'connexion_dreams.msg_hospital_contact_unique'),
            ]

    def get_rec_name(self, name):
        return f'{self.party.rec_name} ({self.role_string})'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    role_string = role.translated('role')
