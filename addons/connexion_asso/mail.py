"""What the association writes to a person."""


def mail_language(party, company=None):
    """Code of the language to write to party in: theirs, else the
    association's (its company party's), else French; never the sender's
    (a cron or a queue worker runs in the language of its user)."""
    for person in [party, company.party if company else None]:
        if person and person.lang:
            return person.lang.code
    return 'fr'
