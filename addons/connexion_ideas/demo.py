"""Fictional demo data: the "Projet Connexion" and its governance (phases,
milestones, indicators, risks, communication plan, 3 steering committees,
15 decisions), 40 ideas in every state and the FAQ of the project.

Every name here is invented. ``load`` is idempotent: the project, the ideas
and the FAQ topics are looked up by name or title before being created.
"""
import datetime as dt

from connexion_asso.demo import ensure_company

PROJECT = "Projet Connexion"

PHASES = [
    ("Diagnostic", (2026, 1, 5), (2026, 2, 27)),
    ("Recherche d'outils", (2026, 3, 2), (2026, 4, 30)),
    ("Appel d'offres", (2026, 5, 4), (2026, 6, 30)),
    ("Migration", (2026, 9, 1), (2026, 11, 30)),
    ("Formation", (2026, 12, 1), (2027, 1, 29)),
    ("Bilan à 6 mois", (2027, 6, 1), (2027, 6, 30)),
    ]

# name, phase, planned date, reached date
MILESTONES = [
    ("Restitution du diagnostic", 0, (2026, 2, 27), (2026, 3, 3)),
    ("Liste courte des outils", 1, (2026, 4, 30), (2026, 4, 28)),
    ("Choix du prestataire", 2, (2026, 6, 30), (2026, 7, 7)),
    ("Reprise des données validée", 3, (2026, 11, 30), None),
    ("Toutes les équipes formées", 4, (2027, 1, 29), None),
    ("Bilan présenté au conseil", 5, (2027, 6, 30), None),
    ]

# name, unit, target, measured
INDICATORS = [
    ("Bénévoles utilisant le portail", "%", 80, 46),
    ("Délai moyen de traitement d'une demande de rêve", "jours", 30, 41),
    ("Idées de la boîte à idées ayant reçu une réponse", "%", 100, 72),
    ("Saisies en double supprimées", "%", 90, 95),
    ]

# name, category, level, owner login, mitigation
RISKS = [
    ("Retard de la reprise des données", 'delay', 'high', 'finances',
        "Reprise à blanc un mois avant la bascule ; une personne par "
        "équipe dédiée au contrôle des fichiers."),
    ("Dépassement du budget de l'intégrateur", 'cost', 'medium',
        'presidente',
        "Forfait par lot ; toute demande hors périmètre passe en comité."),
    ("Données de santé des enfants mal protégées", 'compliance', 'high',
        'finances',
        "Accès limité à l'équipe Rêves, journal des accès, analyse "
        "d'impact RGPD avant la mise en service."),
    ("Bénévoles peu à l'aise avec l'outil", 'change', 'medium', 'reves',
        "Ateliers en petits groupes, guide papier, référente joignable."),
    ]

# content, channel, periodicity, audience
COMMUNICATIONS = [
    ("Point d'avancement du projet", 'newsletter', 'monthly',
        "Toute l'association"),
    ("Compte rendu du comité de pilotage", 'email', 'milestone',
        "Salariés et référentes"),
    ("Réponses de la boîte à idées", 'portal', 'weekly', "Bénévoles"),
    ("Affichage à la cafétéria", 'board', 'monthly',
        "Bénévoles de passage au siège"),
    ]

# name, date, state, agenda, minutes
COMMITTEES = [
    ("Comité de pilotage n° 1 — lancement", (2026, 1, 12), 'held',
        "Objectifs du projet ; rôles des sponsors et référentes ; "
        "calendrier du diagnostic.",
        "Le comité valide les objectifs et le calendrier. Chaque équipe "
        "désigne sa référente."),
    ("Comité de pilotage n° 2 — restitution du diagnostic", (2026, 3, 9),
        'held',
        "Restitution du diagnostic ; idées reçues ; choix des axes.",
        "Trois axes retenus : suivi des rêves, portail des bénévoles, "
        "reçus fiscaux. Les idées les plus votées sont intégrées."),
    ("Comité de pilotage n° 3 — choix du prestataire", (2026, 7, 6), 'held',
        "Analyse des réponses à l'appel d'offres ; budget ; planning de "
        "migration.",
        "Le prestataire est retenu ; la migration commence en septembre."),
    ]

# name, committee index, owner login, due date, state, sponsor validation
DECISIONS = [
    ("Nommer une référente par équipe", 0, 'presidente', (2026, 1, 31),
        'done', True),
    ("Ouvrir une boîte à idées physique et une adresse e-mail", 0,
        'finances', (2026, 1, 20), 'done', False),
    ("Relever la boîte à idées chaque semaine", 0, 'reves', (2026, 1, 20),
        'done', False),
    ("Organiser les immersions et les entretiens du diagnostic", 0,
        'reves', (2026, 2, 13), 'done', False),
    ("Publier une FAQ du projet", 0, 'collecte', (2026, 2, 6), 'done',
        False),
    ("Retenir trois axes : rêves, portail, reçus fiscaux", 1,
        'presidente', (2026, 3, 31), 'done', True),
    ("Mettre en place un agenda partagé des rêves", 1, 'reves',
        (2026, 6, 30), 'validated', False),
    ("Dématérialiser les notes de frais des bénévoles", 1, 'finances',
        (2026, 9, 30), 'validated', True),
    ("Conserver le carnet papier des visites à l'hôpital", 1, 'hopitaux',
        (2026, 4, 30), 'done', False),
    ("Abandonner le tableur partagé des partenaires", 1, 'collecte',
        (2026, 12, 31), 'cancelled', False),
    ("Retenir le prestataire intégrateur", 2, 'presidente', (2026, 7, 15),
        'done', True),
    ("Budget de migration plafonné", 2, 'finances', (2026, 7, 31),
        'validated', True),
    ("Reprendre cinq ans d'historique des donateurs", 2, 'collecte',
        (2026, 11, 30), 'validated', False),
    ("Former les tutrices rêves en premier", 2, 'reves', (2026, 12, 15),
        'draft', False),
    ("Analyse d'impact RGPD avant la mise en service", 2, 'finances',
        (2026, 11, 15), 'draft', True),
    ]

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
#  state, answer, decision index or None)
IDEAS = [
    ("Un agenda partagé des rêves",
        "Voir d'un coup d'œil les rêves prévus ce mois-ci.",
        'REVES', 0, 'box', 0, 'in_progress',
        "Retenue : l'agenda est en cours de paramétrage.", 6),
    ("Notes de frais en ligne",
        "Envoyer une photo du ticket plutôt que l'original par courrier.",
        'ADMIN', 0, 'email', 1, 'accepted',
        "Bonne idée, prévue avec le nouvel outil.", 7),
    ("Garder le carnet des visites",
        "Le carnet papier est pratique dans les services : ne pas le "
        "supprimer.", 'HOPITAUX', 3, 'meeting', 2, 'done',
        "Le carnet reste ; il sera ressaisi une fois par mois.", 8),
    ("Une FAQ du projet", "Une page de questions-réponses sur Connexion.",
        'COLLECTE', 4, 'portal', None, 'done',
        "La FAQ est publiée sur le portail.", 4),
    ("Boîte à idées en ligne",
        "Pouvoir déposer une idée depuis le téléphone.", 'ADMIN', 0,
        'box', None, 'done', "C'est fait : rubrique « Idées » du portail.", 1),
    ("Moins de réunions le soir",
        "Prévoir des réunions en visio pour les bénévoles éloignés.",
        None, 1, 'box', None, 'review', None, None),
    ("Un coin calme pour les familles",
        "Aménager un coin calme à la permanence.", 'REVES', 2, 'email', 3,
        'new', None, None),
    ("Des goûters à l'hôpital", "Apporter des goûters lors des visites.",
        'HOPITAUX', 2, 'box', None, 'rejected',
        "Les règles d'hygiène des services ne le permettent pas.", None),
    ("Un calendrier des rêves", "Un calendrier des rêves à venir.",
        'REVES', 0, 'portal', 4, 'duplicate',
        "Déjà proposée : voir « Un agenda partagé des rêves ».", None),
    ("Reçus fiscaux par e-mail",
        "Envoyer le reçu fiscal en PDF plutôt que par la poste.",
        'ADMIN', 0, 'portal', 5, 'in_progress',
        "Prévu pour la campagne de fin d'année.", 5),
    ("Covoiturage vers les hôpitaux",
        "Partager les trajets entre bénévoles.", 'HOPITAUX', 1, 'box', 6,
        'accepted', "Un groupe de covoiturage sera ouvert sur le portail.",
        None),
    ("Photos des rêves pour les donateurs",
        "Avec l'accord des familles, partager quelques photos.",
        'COLLECTE', 4, 'meeting', 7, 'review', None, None),
    ("Un parrainage des nouveaux bénévoles",
        "Chaque nouveau bénévole accompagné par un ancien.", None, 1,
        'box', None, 'accepted',
        "Adoptée : le parrainage démarre à la rentrée.", None),
    ("Tableau des partenaires partagé",
        "Un seul fichier des entreprises partenaires.", 'COLLECTE', 0,
        'email', 8, 'rejected',
        "Remplacé par la fiche partenaire du nouvel outil.", None),
    ("Signature électronique des conventions",
        "Signer les conventions avec les hôpitaux en ligne.", 'HOPITAUX',
        0, 'portal', 9, 'new', None, None),
    ("Une newsletter interne",
        "Une lettre mensuelle pour savoir ce que font les autres équipes.",
        'COLLECTE', 4, 'box', None, 'done',
        "La lettre mensuelle paraît depuis avril.", None),
    ("Formation en petits groupes",
        "Des ateliers de six personnes au plus.", None, 3, 'meeting', 10,
        'accepted', "Retenue pour la phase de formation.", 13),
    ("Historique des donateurs", "Garder l'historique des dons.",
        'COLLECTE', 0, 'email', 11, 'in_progress',
        "Cinq ans d'historique seront repris.", 12),
    ("Accès limité aux dossiers médicaux",
        "Seule l'équipe Rêves doit voir les informations de santé.",
        'REVES', 3, 'box', None, 'accepted',
        "C'est une obligation : l'analyse d'impact est prévue.", 14),
    ("Un guide papier de l'outil",
        "Un guide imprimé pour qui n'aime pas les écrans.", None, 0, 'box',
        None, 'review', None, None),
    ("Remercier les bénévoles chaque année",
        "Une fête annuelle des bénévoles.", None, 1, 'meeting', 0, 'done',
        "La fête aura lieu chaque mois de juin.", None),
    ("Un numéro unique pour les familles",
        "Un seul numéro de téléphone pour joindre l'association.", 'REVES',
        2, 'email', 1, 'review', None, None),
    ("Badge d'accès au siège", "Un badge pour les bénévoles réguliers.",
        'ADMIN', 3, 'box', None, 'rejected',
        "Le siège reste ouvert aux heures de permanence ; pas de badge.",
        None),
    ("Un agenda des rêves en ligne", "Voir les rêves sur le téléphone.",
        'REVES', 0, 'box', None, 'duplicate',
        "Déjà proposée : voir « Un agenda partagé des rêves ».", None),
    ("Des cartes de visite pour les référentes",
        "Pour se présenter dans les services.", 'HOPITAUX', 4, 'portal', 2,
        'new', None, None),
    ("Relances automatiques des dons",
        "Relancer les donateurs réguliers avant l'échéance.", 'COLLECTE',
        0, 'email', 3, 'new', None, None),
    ("Un annuaire des bénévoles",
        "Savoir qui contacter pour chaque hôpital.", 'HOPITAUX', 1,
        'meeting', 4, 'in_progress',
        "L'annuaire sera sur le portail, avec l'accord de chacun.", None),
    ("Simplifier le formulaire de demande de rêve",
        "Le formulaire actuel est trop long pour les familles.", 'REVES',
        2, 'portal', 5, 'review', None, None),
    ("Archiver les anciens dossiers papier",
        "Les armoires du siège débordent.", 'ADMIN', 3, 'box', None, 'new',
        None, None),
    ("Un calendrier commun des équipes",
        "Voir les événements de toutes les équipes.", None, 3, 'portal', 6,
        'accepted', "Retenue, avec l'agenda des rêves.", 6),
    ("Traduire le livret d'accueil",
        "En anglais et en arabe pour certaines familles.", 'REVES', 2,
        'email', 7, 'new', None, None),
    ("Des visios avec les enfants hospitalisés",
        "Quand la visite n'est pas possible.", 'HOPITAUX', 2, 'meeting', 8,
        'review', None, None),
    ("Un espace de stockage partagé",
        "Ne plus s'envoyer les fichiers par e-mail.", None, 0, 'box', None,
        'done', "Le dossier partagé de chaque équipe est en service.", None),
    ("Un tableau de bord des dons",
        "Suivre la collecte de la semaine.", 'COLLECTE', 0, 'portal', 9,
        'rejected',
        "Le tableau de bord mensuel suffit ; une vue hebdomadaire "
        "ajouterait du travail.", None),
    ("Une charte du bénévole",
        "Rappeler les règles de confidentialité.", None, 1, 'meeting', 10,
        'in_progress', "Rédaction en cours avec l'équipe Admin.", None),
    ("Une boîte aux lettres à l'hôpital",
        "Pour que les familles déposent leurs rêves.", 'HOPITAUX', 2, 'box',
        None, 'new', None, None),
    ("Reçus fiscaux groupés",
        "Un seul reçu annuel pour les donateurs réguliers.", 'ADMIN', 0,
        'email', 11, 'accepted', "Retenue pour la prochaine campagne.", 5),
    ("Un fil d'actualité du projet",
        "Suivre les décisions du comité.", None, 4, 'portal', None,
        'done', "Les décisions sont publiées sur le portail.", None),
    ("Une visite du siège pour les nouveaux",
        "Découvrir les équipes dès l'arrivée.", None, 1, 'box', 0, 'new',
        None, None),
    ("Un rappel avant chaque visite",
        "Un SMS la veille de la visite à l'hôpital.", 'HOPITAUX', 0,
        'portal', 1, 'review', None, None),
    ]


def _date(value):
    return dt.date(*value) if value else None


def _users(pool):
    User = pool.get('res.user')
    users = User.search([('login', 'in', [
                    'presidente', 'finances', 'reves', 'hopitaux',
                    'collecte'])])
    return {u.login: u for u in users}


def load(pool):
    "Create the Connexion project, its committees, decisions, ideas and FAQ."
    summary = []
    company = ensure_company(pool)
    users = _users(pool)
    project = load_project(pool, company, users)
    if project:
        summary.append(
            f"projet « {PROJECT} » : {len(project.phases)} phases, "
            f"{len(project.committees)} comités, "
            f"{len(project.decisions)} décisions")
    summary.append(f"{load_ideas(pool, project, users)} idées créées")
    summary.append(f"{load_faq(pool, project)} questions de FAQ créées")
    return ", ".join(summary)


def load_project(pool, company, users):
    Work = pool.get('project.work')
    Team = pool.get('connexion.team')
    Decision = pool.get('connexion.decision')
    projects = Work.search([
            ('name', '=', PROJECT), ('type', '=', 'project')], limit=1)
    if projects:
        return projects[0]
    admin = users.get('presidente') or users.get('finances')
    if not admin:
        return None

    def user(login):
        return (users.get(login) or admin).id

    referents = []
    for team in Team.search([]):
        if team.referents:
            referents.append({
                    'team': team.id, 'user': team.referents[0].id})
    project, = Work.create([{
                'name': PROJECT,
                'type': 'project',
                'company': company.id,
                'comment': (
                    "Améliorer les process pour faciliter le quotidien de "
                    "chacun sans perdre l'âme de l'association."),
                'sponsors': [('add', [user('presidente'), user('finances')])],
                'referents': [('create', referents)],
                'phases': [('create', [{
                                'name': name, 'sequence': i,
                                'start_date': _date(start),
                                'end_date': _date(end),
                                } for i, (name, start, end)
                            in enumerate(PHASES)])],
                'indicators': [('create', [{
                                'name': name, 'unit': unit,
                                'target': target, 'measured': measured,
                                'measure_date': dt.date(2026, 10, 31),
                                } for name, unit, target, measured
                            in INDICATORS])],
                'risks': [('create', [{
                                'name': name, 'category': category,
                                'level': level, 'owner': user(owner),
                                'mitigation': mitigation,
                                } for name, category, level, owner, mitigation
                            in RISKS])],
                'communications': [('create', [{
                                'content': content, 'channel': channel,
                                'periodicity': periodicity,
                                'audience': audience,
                                } for content, channel, periodicity, audience
                            in COMMUNICATIONS])],
                'committees': [('create', [{
                                'name': name, 'date': _date(date),
                                'state': state, 'agenda': agenda,
                                'minutes': minutes,
                                'attendees': [('add', list({
                                                user(login) for login in [
                                                    'presidente', 'finances',
                                                    'reves', 'hopitaux',
                                                    'collecte']}))],
                                } for name, date, state, agenda, minutes
                            in COMMITTEES])],
                }])
    phases = list(project.phases)
    Work.write([project], {'milestones': [('create', [{
                        'name': name, 'phase': phases[phase].id,
                        'planned_date': _date(planned),
                        'reached_date': _date(reached),
                        } for name, phase, planned, reached in MILESTONES])]})
    committees = sorted(project.committees, key=lambda c: c.date)
    Decision.create([{
                'project': project.id,
                'committee': committees[committee].id,
                'name': name,
                'owner': user(owner),
                'due_date': _date(due),
                'state': state,
                'sponsor_validation': sponsor,
                'validated_by': (
                    user('presidente') if state in {'validated', 'done'}
                    else None),
                'validation_date': (
                    committees[committee].date
                    if state in {'validated', 'done'} else None),
                } for name, committee, owner, due, state, sponsor
            in DECISIONS])
    return Work(project.id)


def load_ideas(pool, project, users):
    Idea = pool.get('connexion.idea')
    Category = pool.get('connexion.idea.category')
    Team = pool.get('connexion.team')
    Party = pool.get('party.party')
    Vote = pool.get('connexion.idea.vote')
    Comment = pool.get('connexion.idea.comment')
    Decision = pool.get('connexion.decision')

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
    decisions = []
    if project:
        decisions = Decision.search(
            [('project', '=', project.id)], order=[('id', 'ASC')])

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
    for idea, (title, _, _, _, _, _, state, answer, decision) in zip(
            ideas, todo):
        values = {'state': state}
        if answer:
            values['answer'] = answer
            if state in {'done', 'rejected', 'duplicate'}:
                values['answer_date'] = idea.received_date + dt.timedelta(
                    days=21)
        if decision is not None and decision < len(decisions):
            values['decision'] = decisions[decision].id
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


def load_faq(pool, project):
    Topic = pool.get('connexion.faq.topic')
    created = 0
    for sequence, (name, entries) in enumerate(FAQ):
        if Topic.search([('name', '=', name)], limit=1):
            continue
        Topic.create([{
                    'name': name,
                    'sequence': sequence,
                    'project': project.id if project else None,
                    'entries': [('create', [{
                                    'question': question, 'answer': answer,
                                    'sequence': i,
                                    } for i, (question, answer)
                                in enumerate(entries)])],
                    }])
        created += len(entries)
    return created
