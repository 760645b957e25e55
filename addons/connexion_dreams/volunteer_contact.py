"""The people a volunteer's dreams put them in touch with: the child, the
family, the hospital and its contacts, the other volunteers of the dream
(see connexion_volunteer/volunteer_contact.py)."""
from trytond.pool import Pool, PoolMeta


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def _contact_queries(cls, user_id):
        pool = Pool()
        Dream = pool.get('connexion.dream')
        DreamVolunteer = pool.get('connexion.dream-connexion.volunteer')
        Volunteer = pool.get('connexion.volunteer')
        Child = pool.get('connexion.child')
        Guardian = pool.get('connexion.child.guardian')
        Hospital = pool.get('connexion.hospital')
        Contact = pool.get('connexion.hospital.contact')
        queries = super()._contact_queries(user_id)

        volunteer = Volunteer.__table__()
        mine = volunteer.select(volunteer.id, where=volunteer.user == user_id)
        dream = Dream.__table__()
        pair = DreamVolunteer.__table__()
        dreams = dream.select(dream.id, where=dream.tutor.in_(mine)) | (
            pair.select(pair.dream, where=pair.volunteer.in_(mine)))

        def of_dreams(column):
            d = Dream.__table__()
            return d.select(column(d), where=d.id.in_(dreams))
        child, guardian = Child.__table__(), Guardian.__table__()
        hospital, contact = Hospital.__table__(), Contact.__table__()
        tutor, pair2, other = (
            Volunteer.__table__(), DreamVolunteer.__table__(),
            Volunteer.__table__())
        queries += [
            child.select(child.party,
                where=child.id.in_(of_dreams(lambda d: d.child))),
            guardian.select(guardian.party,
                where=guardian.child.in_(of_dreams(lambda d: d.child))),
            hospital.select(hospital.party,
                where=hospital.id.in_(of_dreams(lambda d: d.hospital))),
            contact.select(contact.party,
                where=contact.hospital.in_(of_dreams(lambda d: d.hospital))),
            tutor.select(tutor.party,
                where=tutor.id.in_(of_dreams(lambda d: d.tutor))),
            other.join(pair2, condition=pair2.volunteer == other.id).select(
                other.party, where=pair2.dream.in_(dreams)),
            ]
        return queries
