"""Fictional demo data: the register of processing and retention rules.

``load`` is idempotent: processings are looked up by code, rules by name.
"""

SECURITY = ("Accès nominatif par équipe (groupes de droits), mots de passe "
    "individuels, sauvegardes chiffrées, journal des effacements.")

PROCESSINGS = [
    {
        'code': 'T01', 'name': "Gestion des donateurs et reçus fiscaux",
        'purpose': "Enregistrer les dons, émettre les reçus fiscaux, "
        "remercier les donateurs et les solliciter à nouveau.",
        'legal_basis': 'legitimate_interest',
        'data_subjects': "Donateurs et prospects",
        'data_categories': "Identité, coordonnées, historique des dons, "
        "moyens de paiement (IBAN pour les prélèvements).",
        'recipients': "Équipe Com/Partenariats/Collecte, trésorerie, "
        "expert-comptable, administration fiscale sur demande.",
        'retention': "Reçus et pièces comptables : 6 et 10 ans. Prospects : "
        "3 ans après le dernier contact venant d'eux.",
        'team': 'COLLECTE',
    },
    {
        'code': 'T02', 'name': "Gestion des adhérents",
        'purpose': "Tenir la liste des adhérents, appeler les cotisations, "
        "convoquer aux assemblées générales.",
        'legal_basis': 'contract',
        'data_subjects': "Adhérents",
        'data_categories': "Identité, coordonnées, cotisations.",
        'recipients': "Bureau, équipe Admin/Finances/Juridique.",
        'retention': "Durée de l'adhésion puis 3 ans.",
        'team': 'ADMIN',
    },
    {
        'code': 'T03', 'name': "Gestion des bénévoles",
        'purpose': "Organiser les missions, vérifier l'honorabilité des "
        "bénévoles au contact des enfants, valoriser le bénévolat.",
        'legal_basis': 'legitimate_interest',
        'data_subjects': "Bénévoles",
        'data_categories': "Identité, coordonnées, disponibilités, date de "
        "vérification du casier judiciaire (sans son contenu), temps donné.",
        'recipients': "Référents d'équipe.",
        'retention': "Durée de l'engagement puis 3 ans.",
        'team': 'ADMIN',
    },
    {
        'code': 'T04', 'name': "Réalisation des rêves des enfants",
        'purpose': "Recueillir le rêve de l'enfant malade, l'organiser en "
        "tenant compte de son état de santé, accompagner sa famille.",
        'legal_basis': 'consent',
        'special_categories': True,
        'data_subjects': "Enfants bénéficiaires et leurs représentants "
        "légaux",
        'data_categories': "Identité, âge, coordonnées de la famille, "
        "informations médicales utiles au rêve (pathologie, contre-"
        "indications, traitements), photos avec accord du droit à l'image.",
        'recipients': "Équipe Rêves (informations médicales : accès "
        "médical restreint), prestataires du rêve pour le strict nécessaire.",
        'retention': "2 ans après la réalisation du rêve, puis anonymisation.",
        'team': 'REVES',
    },
    {
        'code': 'T05', 'name': "Relations avec les services hospitaliers",
        'purpose': "Suivre les contacts dans les hôpitaux partenaires et "
        "organiser les visites.",
        'legal_basis': 'legitimate_interest',
        'data_subjects': "Soignants et personnels hospitaliers",
        'data_categories': "Identité, fonction, service, coordonnées "
        "professionnelles.",
        'recipients': "Équipe Hôpitaux.",
        'retention': "3 ans après le dernier échange.",
        'team': 'HOPITAUX',
    },
    {
        'code': 'T06', 'name': "Lettre d'information et appels aux dons",
        'purpose': "Envoyer la lettre d'information et les campagnes "
        "d'appel aux dons par e-mail.",
        'legal_basis': 'consent',
        'data_subjects': "Donateurs, adhérents, sympathisants",
        'data_categories': "Nom, e-mail, préférences de consentement, "
        "statistiques d'ouverture et de clic.",
        'recipients': "Équipe Com/Partenariats/Collecte.",
        'retention': "Jusqu'au retrait du consentement ; prospects 3 ans.",
        'team': 'COLLECTE',
    },
]

# CNIL: prospects 3 years after the last contact coming from them; donors
# and members for the relationship (a running debit, a gift awaiting its
# receipt, a current membership keep them) then 3 years, the receipts (6
# years) and the accounting (10 years) being kept anonymised by the erasure.
RULES = [
    ("Prospects : 3 ans sans contact", 'prospect', 3, 'T01'),
    ("Donateurs : 3 ans après le dernier don", 'donor', 3, 'T01'),
    ("Adhérents : 3 ans après la fin de l'adhésion", 'member', 3, 'T02'),
    ("Contacts hospitaliers : 3 ans sans échange", 'hospital_contact', 3,
        'T05'),
    ("Bénévoles : 3 ans après la fin de l'engagement", 'volunteer', 3, 'T03'),
    ]


def load(pool):
    Processing = pool.get('connexion.gdpr.processing')
    Rule = pool.get('connexion.gdpr.retention.rule')
    Team = pool.get('connexion.team')
    created = 0
    for values in PROCESSINGS:
        if Processing.search([('code', '=', values['code'])]):
            continue
        values = dict(values, security_measures=SECURITY)
        teams = Team.search([('code', '=', values.pop('team'))])
        values['team'] = teams[0].id if teams else None
        Processing.create([values])
        created += 1
    rules = 0
    for name, category, years, code in RULES:
        if Rule.search([('name', '=', name)]):
            continue
        processing, = Processing.search([('code', '=', code)])
        Rule.create([{'name': name, 'category': category, 'years': years,
                    'processing': processing.id}])
        rules += 1
    summary = (f"registre RGPD : {created} traitements, "
        f"{rules} règles de conservation créés")
    try:
        pool.get('connexion.gdpr.automation')
    except KeyError:  # connexion_donation is not activated
        return summary
    return f"{summary} ; {load_campaigns(pool)}"


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
    Campaign = pool.get('connexion.gdpr.campaign')
    Recipient = pool.get('connexion.gdpr.campaign.recipient')
    Automation = pool.get('connexion.gdpr.automation')
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
    for values in AUTOMATIONS:
        if Automation.search([('name', '=', values['name']),
                    ('active', 'in', [True, False])], limit=1):
            continue
        purpose = ('fundraising' if values['kind'] == 'reactivation'
            else 'donor_relations')
        Automation.create([dict(values, purpose=purpose, start_date=today)])
        automations += 1
    return (f"campagne « {name} » envoyée à {len(recipients)} donateurs, "
        f"{automations} automatisations")
