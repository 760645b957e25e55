"""Fictional demo data: 40 ideas in every state, with votes and comments,
and the FAQ (connexion_governance links them to the "Projet Connexion").

Every name here is invented. ``load`` is idempotent: the ideas and the FAQ
topics are looked up by title or name before being created.
"""
import datetime as dt


AUTHORS = [
    "Maëlle Guérin", "Thibault Renard", "Armelle Joubert", "Yanis Perret",
    "Capucine Hamel", "Gaspard Lemoine", "Solène Chevallier",
    "Édouard Vidal", "Inès Barbier", "Romane Collet", "Bastien Poirier",
    "Clarisse Meunier",
    ]

CATEGORIES = [
    "Outils numériques", "Vie associative", "Accueil des familles",
    "Organisation", "Communication",
    ]

# (title, text, team code, category index, channel, author index or None,
#  state, answer)
IDEAS = [
    ("Un agenda partagé des rêves",
        "Voir d'un coup d'œil les rêves prévus ce mois-ci.",
        'REVES', 0, 'box', 0, 'in_progress',
        "Retenue : l'agenda est en cours de paramétrage."),
    ("Notes de frais en ligne",
        "Envoyer une photo du ticket plutôt que l'original par courrier.",
        'ADMIN', 0, 'email', 1, 'accepted',
        "Bonne idée, prévue avec le nouvel outil."),
    ("Garder le carnet des visites",
        "Le carnet papier est pratique dans les services : ne pas le "
        "supprimer.", 'HOPITAUX', 3, 'meeting', 2, 'done',
        "Le carnet reste ; il sera ressaisi une fois par mois."),
    ("Une FAQ du projet", "Une page de questions-réponses sur Connexion.",
        'COLLECTE', 4, 'portal', None, 'done',
        "La FAQ est publiée sur le portail."),
    ("Boîte à idées en ligne",
        "Pouvoir déposer une idée depuis le téléphone.", 'ADMIN', 0,
        'box', None, 'done', "C'est fait : rubrique « Idées » du portail."),
    ("Moins de réunions le soir",
        "Prévoir des réunions en visio pour les bénévoles éloignés.",
        None, 1, 'box', None, 'review', None),
    ("Un coin calme pour les familles",
        "Aménager un coin calme à la permanence.", 'REVES', 2, 'email', 3,
        'new', None),
    ("Des goûters à l'hôpital", "Apporter des goûters lors des visites.",
        'HOPITAUX', 2, 'box', None, 'rejected',
        "Les règles d'hygiène des services ne le permettent pas."),
    ("Un calendrier des rêves", "Un calendrier des rêves à venir.",
        'REVES', 0, 'portal', 4, 'duplicate',
        "Déjà proposée : voir « Un agenda partagé des rêves »."),
    ("Reçus fiscaux par e-mail",
        "Envoyer le reçu fiscal en PDF plutôt que par la poste.",
        'ADMIN', 0, 'portal', 5, 'in_progress',
        "Prévu pour la campagne de fin d'année."),
    ("Covoiturage vers les hôpitaux",
        "Partager les trajets entre bénévoles.", 'HOPITAUX', 1, 'box', 6,
        'accepted', "Un groupe de covoiturage sera ouvert sur le portail."),
    ("Photos des rêves pour les donateurs",
        "Avec l'accord des familles, partager quelques photos.",
        'COLLECTE', 4, 'meeting', 7, 'review', None),
    ("Un parrainage des nouveaux bénévoles",
        "Chaque nouveau bénévole accompagné par un ancien.", None, 1,
        'box', None, 'accepted',
        "Adoptée : le parrainage démarre à la rentrée."),
    ("Tableau des partenaires partagé",
        "Un seul fichier des entreprises partenaires.", 'COLLECTE', 0,
        'email', 8, 'rejected',
        "Remplacé par la fiche partenaire du nouvel outil."),
    ("Signature électronique des conventions",
        "Signer les conventions avec les hôpitaux en ligne.", 'HOPITAUX',
        0, 'portal', 9, 'new', None),
    ("Une newsletter interne",
        "Une lettre mensuelle pour savoir ce que font les autres équipes.",
        'COLLECTE', 4, 'box', None, 'done',
        "La lettre mensuelle paraît depuis avril."),
    ("Formation en petits groupes",
        "Des ateliers de six personnes au plus.", None, 3, 'meeting', 10,
        'accepted', "Retenue pour la phase de formation."),
    ("Historique des donateurs", "Garder l'historique des dons.",
        'COLLECTE', 0, 'email', 11, 'in_progress',
        "Cinq ans d'historique seront repris."),
    ("Accès limité aux dossiers médicaux",
        "Seule l'équipe Rêves doit voir les informations de santé.",
        'REVES', 3, 'box', None, 'accepted',
        "C'est une obligation : l'analyse d'impact est prévue."),
    ("Un guide papier de l'outil",
        "Un guide imprimé pour qui n'aime pas les écrans.", None, 0, 'box',
        None, 'review', None),
    ("Remercier les bénévoles chaque année",
        "Une fête annuelle des bénévoles.", None, 1, 'meeting', 0, 'done',
        "La fête aura lieu chaque mois de juin."),
    ("Un numéro unique pour les familles",
        "Un seul numéro de téléphone pour joindre l'association.", 'REVES',
        2, 'email', 1, 'review', None),
    ("Badge d'accès au siège", "Un badge pour les bénévoles réguliers.",
        'ADMIN', 3, 'box', None, 'rejected',
        "Le siège reste ouvert aux heures de permanence ; pas de badge."),
    ("Un agenda des rêves en ligne", "Voir les rêves sur le téléphone.",
        'REVES', 0, 'box', None, 'duplicate',
        "Déjà proposée : voir « Un agenda partagé des rêves »."),
    ("Des cartes de visite pour les référentes",
        "Pour se présenter dans les services.", 'HOPITAUX', 4, 'portal', 2,
        'new', None),
    ("Relances automatiques des dons",
        "Relancer les donateurs réguliers avant l'échéance.", 'COLLECTE',
        0, 'email', 3, 'new', None),
    ("Un annuaire des bénévoles",
        "Savoir qui contacter pour chaque hôpital.", 'HOPITAUX', 1,
        'meeting', 4, 'in_progress',
        "L'annuaire sera sur le portail, avec l'accord de chacun."),
    ("Simplifier le formulaire de demande de rêve",
        "Le formulaire actuel est trop long pour les familles.", 'REVES',
        2, 'portal', 5, 'review', None),
    ("Archiver les anciens dossiers papier",
        "Les armoires du siège débordent.", 'ADMIN', 3, 'box', None, 'new',
        None),
    ("Un calendrier commun des équipes",
        "Voir les événements de toutes les équipes.", None, 3, 'portal', 6,
        'accepted', "Retenue, avec l'agenda des rêves."),
    ("Traduire le livret d'accueil",
        "En anglais et en arabe pour certaines familles.", 'REVES', 2,
        'email', 7, 'new', None),
    ("Des visios avec les enfants hospitalisés",
        "Quand la visite n'est pas possible.", 'HOPITAUX', 2, 'meeting', 8,
        'review', None),
    ("Un espace de stockage partagé",
        "Ne plus s'envoyer les fichiers par e-mail.", None, 0, 'box', None,
        'done', "Le dossier partagé de chaque équipe est en service."),
    ("Un tableau de bord des dons",
        "Suivre la collecte de la semaine.", 'COLLECTE', 0, 'portal', 9,
        'rejected',
        "Le tableau de bord mensuel suffit ; une vue hebdomadaire "
        "ajouterait du travail."),
    ("Une charte du bénévole",
        "Rappeler les règles de confidentialité.", None, 1, 'meeting', 10,
        'in_progress', "Rédaction en cours avec l'équipe Admin."),
    ("Une boîte aux lettres à l'hôpital",
        "Pour que les familles déposent leurs rêves.", 'HOPITAUX', 2, 'box',
        None, 'new', None),
    ("Reçus fiscaux groupés",
        "Un seul reçu annuel pour les donateurs réguliers.", 'ADMIN', 0,
        'email', 11, 'accepted', "Retenue pour la prochaine campagne."),
    ("Un fil d'actualité du projet",
        "Suivre les décisions du comité.", None, 4, 'portal', None,
        'done', "Les décisions sont publiées sur le portail."),
    ("Une visite du siège pour les nouveaux",
        "Découvrir les équipes dès l'arrivée.", None, 1, 'box', 0, 'new',
        None),
    ("Un rappel avant chaque visite",
        "Un SMS la veille de la visite à l'hôpital.", 'HOPITAUX', 0,
        'portal', 1, 'review', None),
    ]


def _users(pool):
    User = pool.get('res.user')
    users = User.search([('login', 'in', ['reves'])])
    return {u.login: u for u in users}


def load(pool):
    "Create the ideas, their votes and comments, and the FAQ."
    users = _users(pool)
    return (f"{load_ideas(pool, users)} idées créées, "
        f"{load_faq(pool)} questions de FAQ créées")


def load_ideas(pool, users):
    Idea = pool.get('connexion.idea')
    Category = pool.get('connexion.idea.category')
    Team = pool.get('connexion.team')
    Party = pool.get('party.party')
    Vote = pool.get('connexion.idea.vote')
    Comment = pool.get('connexion.idea.comment')

    categories = []
    for name in CATEGORIES:
        found = Category.search([('name', '=', name)], limit=1)
        if not found:
            found = Category.create([{'name': name}])
        categories.append(found[0])
    authors = []
    for name in AUTHORS:
        found = Party.search([('name', '=', name)], limit=1)
        if not found:
            found = Party.create([{'name': name}])
        authors.append(found[0])
    teams = {t.code: t for t in Team.search([]) if t.code}

    existing = {i.title for i in Idea.search([])}
    todo = [i for i in IDEAS if i[0] not in existing]
    if not todo:
        return 0
    ideas = Idea.create([{
                'title': title,
                'text': text,
                'team': teams[team].id if team in teams else None,
                'category': categories[category].id,
                'channel': channel,
                'anonymous': author is None,
                'author': authors[author].id if author is not None else None,
                'received_date': dt.date(2026, 1, 19) + dt.timedelta(
                    days=7 * (n % 40)),
                } for n, (title, text, team, category, channel, author, *_)
            in enumerate(todo)])
    # Votes and comments while every idea is still open.
    votes = []
    for n, idea in enumerate(ideas):
        for voter in authors[:(n * 7) % len(authors)]:
            if voter != idea.author:  # the others support an idea
                votes.append({'idea': idea.id, 'party': voter.id})
    Vote.create(votes)
    Comment.create([{
                'idea': idea.id,
                'user': users['reves'].id if 'reves' in users else None,
                'text': "Merci, nous en parlons au prochain comité.",
                } for idea in ideas[:10]])
    originals = {i.title: i for i in Idea.search([])}
    for idea, (title, _, _, _, _, _, state, answer) in zip(
            ideas, todo):
        values = {'state': state}
        if answer:
            values['answer'] = answer
            if state in {'done', 'rejected', 'duplicate'}:
                values['answer_date'] = idea.received_date + dt.timedelta(
                    days=21)
        if state == 'duplicate':
            values['duplicate_of'] = originals[
                "Un agenda partagé des rêves"].id
        Idea.write([idea], values)
    return len(ideas)


FAQ = [
    ("Le projet Connexion", [
        ("Pourquoi le projet Connexion ?",
            "L'association grandit : nous revoyons nos façons de faire pour "
            "répondre à plus de demandes, simplifier les missions et "
            "respecter les nouvelles obligations, sans perdre l'âme de "
            "l'association."),
        ("La digitalisation ne va-t-elle pas laisser de côté ceux qui ne "
            "sont pas à l'aise avec l'informatique ?",
            "Nous avons besoin de tous. Les outils seront choisis simples ; "
            "un guide papier et des ateliers en petits groupes sont prévus."),
        ("Quels sont les rôles des sponsors et des référentes ?",
            "Les sponsors sont consultés à chaque grande étape et valident "
            "les décisions clés. Les référentes portent la voix de leur "
            "équipe et gèrent le projet au quotidien."),
        ("Quelles sont les échéances ?",
            "Diagnostic, recherche d'outils, appel d'offres, migration, "
            "formation, puis bilan à six mois : voir les jalons sur le "
            "portail."),
        ("N'y aura-t-il plus de papier ?",
            "Non : le projet ne vise pas le « tout numérique ». Un process "
            "efficace sur papier sera conservé."),
        ]),
    ("La boîte à idées", [
        ("Comment déposer une idée ?",
            "Sur le portail, par e-mail à l'adresse de la boîte à idées, "
            "ou sur papier dans la boîte de la cafétéria."),
        ("Puis-je rester anonyme ?",
            "Oui. Une idée anonyme ne garde aucune trace de son auteur, ni "
            "dans la fiche ni dans les journaux."),
        ("Quand la boîte physique est-elle relevée ?",
            "Chaque semaine ; les idées sont saisies le jour même."),
        ("Qui répond à mon idée ?",
            "La référente de l'équipe concernée ; la réponse est publiée "
            "sur le portail."),
        ]),
    ]


def load_faq(pool):
    Topic = pool.get('connexion.faq.topic')
    created = 0
    for sequence, (name, entries) in enumerate(FAQ):
        if Topic.search([('name', '=', name)], limit=1):
            continue
        Topic.create([{
                    'name': name,
                    'sequence': sequence,
                    'entries': [('create', [{
                                    'question': question, 'answer': answer,
                                    'sequence': i,
                                    } for i, (question, answer)
                                in enumerate(entries)])],
                    }])
        created += len(entries)
    return created
