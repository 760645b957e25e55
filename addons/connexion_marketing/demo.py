"""Fictional demo data: donors with e-mails and consents, a newsletter
already sent (with opens and clicks) and the donor automations.

``load`` is idempotent: the campaign is looked up by name, the automations
too.
"""


def load(pool):
    try:
        pool.get('connexion.marketing.automation')
    except KeyError:  # connexion_donation is not activated
        return "pas de donateurs (connexion_donation non activé)"
    return load_campaigns(pool)


NEWSLETTER = """<html xmlns:py="http://genshi.edgewall.org/"><body>
<p>Bonjour ${name},</p>
<p>Cet automne, grâce à vous, Lina a vu les baleines et douze familles ont
pu souffler quelques jours au bord de la mer.</p>
<p><a href="https://mille-etoiles.example/actualites">Lire les nouvelles</a>
— <a href="https://mille-etoiles.example/don">Offrir un rêve</a></p>
<p><small><a href="${preferences_url}">Mes préférences</a> —
<a href="${unsubscribe_url}">Me désinscrire</a></small></p>
</body></html>"""

AUTOMATIONS = [
    {
        'name': "Remerciement après un don", 'kind': 'thank_you',
        'subject': "Merci pour votre don",
        'content': "<html><body><p>Bonjour ${name},</p><p>Votre don de "
        "${amount} du ${date} est bien arrivé : merci ! Il aidera à "
        "réaliser le rêve d'un enfant malade.</p>"
        '<p><small><a href="${preferences_url}">Mes préférences</a>'
        "</small></p></body></html>",
    },
    {
        'name': "Reçu fiscal par e-mail", 'kind': 'receipt',
        'subject': "Votre reçu fiscal",
        'content': "<html><body><p>Bonjour ${name},</p><p>Vous trouverez "
        "ci-joint votre reçu fiscal ${receipt_number} de ${amount} pour vos "
        "dons de ${year}, à conserver pour votre déclaration de revenus."
        '</p><p><small><a href="${preferences_url}">Mes préférences</a>'
        "</small></p></body></html>",
    },
    {
        'name': "Relance des donateurs de l'an dernier", 'kind':
        'reactivation', 'segment': 'lybunt', 'active': False,
        'subject': "Les enfants comptent encore sur vous",
        'content': "<html><body><p>Bonjour ${name},</p><p>Votre dernier "
        "don, le ${date}, a aidé à réaliser des rêves. Cette année encore, "
        'des enfants attendent le leur.</p><p><a href="https://mille-etoiles'
        '.example/don">Offrir un rêve</a></p><p><small><a href='
        '"${preferences_url}">Mes préférences</a></small></p></body></html>',
    },
    ]


def _email(name):
    import unicodedata
    ascii_ = unicodedata.normalize('NFKD', name).encode(
        'ascii', 'ignore').decode()
    return '.'.join(ascii_.lower().replace("'", '').split()) + '@exemple.test'


def load_campaigns(pool):
    """Donors with e-mails and consents, a newsletter already sent (with
    opens and clicks) and the donor automations; needs connexion_donation."""
    import datetime as dt
    import random
    Party = pool.get('party.party')
    Donation = pool.get('connexion.donation')
    Campaign = pool.get('connexion.marketing.campaign')
    Recipient = pool.get('connexion.marketing.campaign.recipient')
    Automation = pool.get('connexion.marketing.automation')
    Mechanism = pool.get('party.contact_mechanism')
    name = "Lettre d'information d'automne"
    if Campaign.search([('name', '=', name)]):
        return "campagne de démonstration déjà chargée"
    rng = random.Random(6)
    today = pool.get('ir.date').today()
    donors = sorted({d.party for d in Donation.search([])}, key=lambda p: p.id)
    donors = [p for p in donors if p.donor_type == 'individual']
    given = today - dt.timedelta(days=400)
    for party in donors:
        if not party.email:
            Mechanism.create([{'party': party.id, 'type': 'email',
                        'value': _email(party.name)}])
        if rng.random() < 0.7:
            Party.give_consent([party], 'newsletter', channel='paper',
                date=given, proof="Case cochée sur le bulletin de don")
        if rng.random() < 0.5:
            Party.give_consent([party], 'donor_relations', channel='paper',
                date=given, proof="Case cochée sur le bulletin de don")
    # One donor unsubscribed from a previous letter: she is left out.
    if donors:
        Party.withdraw_consent([donors[0]], 'newsletter', channel='email',
            date=today - dt.timedelta(days=60),
            proof="Lien de désinscription d'une lettre précédente")
    campaign, = Campaign.create([{
                'name': name, 'subject': "Des nouvelles des rêves",
                'segment': 'donors', 'purpose': 'newsletter',
                'content': NEWSLETTER}])
    Campaign.queue([campaign])
    Campaign.start_sending([campaign])
    sent = dt.datetime.combine(today - dt.timedelta(days=12), dt.time(9, 30))
    recipients = Recipient.search([('campaign', '=', campaign.id)])
    for recipient in recipients:
        recipient.state = 'sent'
        recipient.sent_date = sent
        if rng.random() < 0.45:
            recipient.opened = sent + dt.timedelta(
                hours=rng.randint(1, 72), minutes=rng.randint(0, 59))
            if rng.random() < 0.35:
                recipient.clicks = rng.randint(1, 3)
    Recipient.save(recipients)
    Campaign.done([campaign])
    automations = 0
    # The tax receipt kind exists only with connexion_tax_receipt.
    kinds = dict(Automation.kind.selection)
    for values in AUTOMATIONS:
        if values['kind'] not in kinds:
            continue
        if Automation.search([('name', '=', values['name']),
                    ('active', 'in', [True, False])], limit=1):
            continue
        purpose = ('fundraising' if values['kind'] == 'reactivation'
            else 'donor_relations')
        Automation.create([dict(values, purpose=purpose, start_date=today)])
        automations += 1
    return (f"campagne « {name} » envoyée à {len(recipients)} donateurs, "
        f"{automations} automatisations")
