"""Fictional demo data: the "Projet Connexion" and its governance (phases,
milestones, indicators, risks, communication plan, 3 steering committees,
15 decisions), the ideas of connexion_ideas' demo linked to the decisions
that followed them, the FAQ topics linked to the project.

Every name here is invented. ``load`` is idempotent: the project is looked
up by name, and only ideas and topics not linked yet are linked.
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

# The decision that followed an idea of the idea box (connexion_ideas
# demo): title of the idea, index of the decision in DECISIONS.
IDEA_DECISIONS = {
    "Un agenda partagé des rêves": 6,
    "Notes de frais en ligne": 7,
    "Garder le carnet des visites": 8,
    "Une FAQ du projet": 4,
    "Boîte à idées en ligne": 1,
    "Reçus fiscaux par e-mail": 5,
    "Formation en petits groupes": 13,
    "Historique des donateurs": 12,
    "Accès limité aux dossiers médicaux": 14,
    "Un calendrier commun des équipes": 6,
    "Reçus fiscaux groupés": 5,
    }


def _date(value):
    return dt.date(*value) if value else None


def _users(pool):
    User = pool.get('res.user')
    users = User.search([('login', 'in', [
                    'presidente', 'finances', 'reves', 'hopitaux',
                    'collecte'])])
    return {u.login: u for u in users}


def load(pool):
    "Create the Connexion project, its committees and decisions; link them."
    company = ensure_company(pool)
    users = _users(pool)
    project = load_project(pool, company, users)
    if not project:
        return "aucun projet (ni présidente ni trésorière)"
    return (f"projet « {PROJECT} » : {len(project.phases)} phases, "
        f"{len(project.committees)} comités, "
        f"{len(project.decisions)} décisions, "
        f"{link_ideas(pool, project)} idées liées à une décision, "
        f"{link_faq(pool, project)} thèmes de FAQ liés au projet")


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


def link_ideas(pool, project):
    "Each idea of the demo not linked yet gets the decision that followed it."
    Idea = pool.get('connexion.idea')
    Decision = pool.get('connexion.decision')
    decisions = Decision.search(
        [('project', '=', project.id)], order=[('id', 'ASC')])
    ideas = Idea.search([
            ('title', 'in', list(IDEA_DECISIONS)),
            ('decision', '=', None),
            ])
    linked = 0
    for idea in ideas:
        index = IDEA_DECISIONS[idea.title]
        if index < len(decisions):
            Idea.write([idea], {'decision': decisions[index].id})
            linked += 1
    return linked


def link_faq(pool, project):
    "The topics of the FAQ are about the project."
    Topic = pool.get('connexion.faq.topic')
    topics = Topic.search([('project', '=', None)])
    Topic.write(topics, {'project': project.id})
    return len(topics)
