"""A person's mailing lists: what the public preference page of the
campaigns' e-mails reads and changes (with her consents; signed link, no
login), and what the GDPR rights reach by her e-mail addresses."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import inactive_records


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_records_by_email(cls, emails):
        "Her subscriptions to the mailing lists."
        MarketingEmail = Pool().get('marketing.email')
        return super().gdpr_records_by_email(emails) + MarketingEmail.search(
            [('email', 'in', list(emails))])

    def _campaign_email(self):
        "The address campaigns use: the first active e-mail."
        for mechanism in self.contact_mechanisms:
            if mechanism.type == 'email' and mechanism.value:
                return mechanism.value

    def subscriptions(self):
        "[(mailing list, subscribed)] for the preference page."
        pool = Pool()
        List = pool.get('marketing.email.list')
        Email = pool.get('marketing.email')
        email = (self._campaign_email() or '').lower()
        with inactive_records():
            active = {e.list_.id: e.active for e in Email.search(
                        [('email', '=', email)])} if email else {}
        return [(l, active.get(l.id, False)) for l in List.search([])]

    def set_subscriptions(self, list_ids):
        "Subscribe to exactly these lists (the person's own choice)."
        pool = Pool()
        Email = pool.get('marketing.email')
        email = (self._campaign_email() or '').lower()
        if not email:
            return
        with inactive_records():
            records = {e.list_.id: e for e in Email.search(
                        [('email', '=', email)])}
        to_write = []
        for list_, subscribed in self.subscriptions():
            wanted = list_.id in list_ids
            if wanted == subscribed:
                continue
            if list_.id in records:
                to_write.extend(([records[list_.id]], {'active': wanted}))
            elif wanted:
                Email.create([{'email': email, 'list_': list_.id}])
            self.gdpr_record_contact([(self, Pool().get('ir.date').today())])
        if to_write:
            Email.write(*to_write)

    @classmethod
    def preference_purposes(cls):
        """Purposes a person may change on the public page: the explicit
        ones (health data, image rights) need a written, signed act."""
        Purpose = Pool().get('connexion.consent.purpose')
        return Purpose.search([('explicit', '!=', True)])

    def consent_preferences(self):
        "[(purpose, given)] for the preference page."
        return [(p, self.has_consent(p.code))
            for p in self.preference_purposes()]

    def set_consent_preferences(self, purpose_ids, proof):
        """Record the person's choices as new consents (history is kept);
        only the purposes whose state changes get a record."""
        for purpose, given in self.consent_preferences():
            wanted = purpose.id in purpose_ids
            if wanted == given:
                continue
            method = (self.give_consent if wanted
                else self.withdraw_consent)
            method([self], purpose.code, channel='portal', proof=proof)

