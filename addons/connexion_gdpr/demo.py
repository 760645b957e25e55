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
    return (f"registre RGPD : {created} traitements, "
        f"{rules} règles de conservation créés")
