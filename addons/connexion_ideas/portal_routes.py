"""The "gare centrale" of the volunteer portal: the idea box (submit, vote,
read the answers), the project's milestones and decisions, and the FAQ.

Pages are served by the shared portal of connexion_asso (layout, session,
CSRF). Routes run as root: an idea's author and a vote's voter are always
the party of the logged-in volunteer, never a value taken from the form.
An anonymous idea is created without any author and the page never says
who sent it (the same URL and answer as a named one).
"""

from sql.aggregate import Count

from trytond.transaction import Transaction

from connexion_asso import portal_forms
from connexion_asso.portal import (
    Form, add_home_section, add_nav, checkbox_field, format_date, h,
    input_field, route, select_field, textarea_field)
from connexion_asso.portal_routes import _safe_next, no_profile

from .idea import OPEN_STATES

TITLE_MAX = 200
TEXT_MAX = 5000
LIST_LIMIT = 100

STATES = {
    'new': "Nouvelle",
    'review': "À l'étude",
    'accepted': "Acceptée",
    'in_progress': "En cours",
    'done': "Réalisée",
    'rejected': "Non retenue",
    'duplicate': "Déjà proposée",
    }
DECISION_STATES = {
    'validated': "Validée",
    'done': "Réalisée",
    }
VIEWS = [
    ('ouvertes', "Idées ouvertes"),
    ('reponses', "Réponses"),
    ('miennes', "Mes idées"),
    ]

add_nav(40, '/idees', "Idées")
add_nav(50, '/projet', "Le projet")
add_nav(60, '/faq', "Questions")


def paragraphs(text):
    "Escaped text with its line breaks (no inline style: the CSP forbids it)."
    return '<br>'.join(h(line) for line in (text or '').splitlines())


def state_badge(state):
    css = 'badge' if state not in {'rejected', 'duplicate'} else 'badge wait'
    return f'<span class="{css}">{h(STATES[state])}</span>'


def voted_ideas(page, ideas):
    "Ids of the ideas among ideas the volunteer voted for."
    Vote = page.pool.get('connexion.idea.vote')
    if not ideas or not page.volunteer:
        return set()
    return {v.idea.id for v in Vote.search([
                ('idea', 'in', [i.id for i in ideas]),
                ('party', '=', page.volunteer.party.id),
                ])}


def vote_form(page, idea, voted, suite):
    if voted:
        return '<p><span class="badge">Vous avez voté pour cette idée</span></p>'
    if idea.state not in OPEN_STATES:
        return ''
    if page.volunteer and idea.author == page.volunteer.party:
        return ('<p class="muted">C\'est votre idée : ses soutiens viennent '
            'des autres bénévoles.</p>')
    return page.form(f'/idees/{idea.public_key}/vote',
        f'<input type="hidden" name="suite" value="{h(suite)}">',
        "Je soutiens cette idée", css='inline', button_css='secondary')


def votes_text(count):
    return f'{count} soutien{"s" if count > 1 else ""}'


def idea_card(page, idea, voted, suite):
    party = page.volunteer.party if page.volunteer else None
    mine = (' <span class="badge">Mon idée</span>'
        if party and idea.author and idea.author.id == party.id else '')
    details = [format_date(idea.received_date), votes_text(idea.vote_count)]
    if idea.team:
        details.insert(1, idea.team.name)
    answer = ''
    if idea.answer and idea.answer_date:
        answer = (f'<p><strong>Réponse :</strong> {paragraphs(idea.answer)}'
            '</p>')
    return (f'<article class="card"><h3><a href="'
        f'{h(page.url(f"/idees/{idea.public_key}"))}">{h(idea.title)}</a></h3>'
        f'<p>{state_badge(idea.state)}{mine}</p>'
        f'<p class="muted">{h(" – ".join(details))}</p>'
        f'{answer}{vote_form(page, idea, idea.id in voted, suite)}'
        '</article>')


@route('/idees')
def ideas(request, page):
    pool = page.pool
    Idea = pool.get('connexion.idea')
    if not page.volunteer:
        return no_profile(page)
    view = request.args.get('vue', 'ouvertes')
    if view not in dict(VIEWS):
        view = 'ouvertes'
    if view == 'ouvertes':
        domain = [('state', 'in', list(OPEN_STATES))]
        order = [('received_date', 'DESC'), ('id', 'DESC')]
        empty = "Aucune idée ouverte pour le moment : proposez la vôtre !"
    elif view == 'reponses':
        domain = [('answer_date', '!=', None)]
        order = [('answer_date', 'DESC'), ('id', 'DESC')]
        empty = "Aucune réponse publiée pour le moment."
    else:
        domain = [
            ('author', '=', page.volunteer.party.id),
            ('anonymous', '=', False),
            ]
        order = [('received_date', 'DESC'), ('id', 'DESC')]
        empty = ("Vous n'avez proposé aucune idée signée. Les idées "
            "anonymes n'apparaissent pas ici : personne ne sait qui les a "
            "envoyées.")
    records = Idea.search(domain, order=order, limit=LIST_LIMIT)
    voted = voted_ideas(page, records)
    suite = f'/idees?vue={view}'
    tabs = ' · '.join(
        f'<strong>{h(label)}</strong>' if key == view else
        f'<a href="{h(page.url("/idees", vue=key))}">{h(label)}</a>'
        for key, label in VIEWS)
    body = [f'<p><a class="button" href="{h(page.url("/idees/nouvelle"))}">'
        'Proposer une idée</a></p>', f'<p>{tabs}</p>']
    if records:
        body.extend(idea_card(page, i, voted, suite) for i in records)
    else:
        body.append(f'<p>{h(empty)}</p>')
    return page.render("Boîte à idées", '\n'.join(body))


def _idea_fields(page, form):
    pool = page.pool
    Team = pool.get('connexion.team')
    Category = pool.get('connexion.idea.category')

    def options(records):
        return [('', "Je ne sais pas")] + [(r.id, r.name) for r in records]
    return (
        input_field(form, 'titre', "Votre idée en quelques mots",
            required=True, maxlength=TITLE_MAX)
        + textarea_field(form, 'texte', "Expliquez-la", rows=6,
            required=True, maxlength=TEXT_MAX)
        + select_field(form, 'equipe', "Équipe concernée",
            options(Team.search([])))
        + select_field(form, 'categorie', "Thème",
            options(Category.search([])))
        + checkbox_field(form, 'anonyme',
            "Envoyer mon idée de façon anonyme")
        + '<p class="muted">Anonyme : votre nom n\'est enregistré nulle '
        'part, vous ne recevrez donc pas la réponse par e-mail (elle sera '
        'publiée dans la boîte à idées). Signée : la réponse vous est aussi '
        'envoyée par e-mail.</p>')


def _record_id(Model, value):
    "The id of an existing record of Model from a form value, else None."
    value = portal_forms.record_id(value)
    if value is None:
        return None
    records = Model.search([('id', '=', value)], limit=1)
    return records[0].id if records else None


# The session is not refreshed: its write date would tell who sent an
# anonymous idea, and when.
@route('/idees/nouvelle', methods=['GET', 'POST'], keep_session=True)
def new_idea(request, page):
    pool = page.pool
    Idea = pool.get('connexion.idea')
    Team = pool.get('connexion.team')
    Category = pool.get('connexion.idea.category')
    if not page.volunteer:
        return no_profile(page)
    if request.method == 'POST':
        form = Form(request.form)
        title = ' '.join(form.get('titre').split())
        text = form.get('texte').strip()
        if not title:
            form.error('titre', "Donnez un titre à votre idée, en quelques "
                "mots.")
        elif len(title) > TITLE_MAX:
            form.error('titre', f"Raccourcissez le titre : {TITLE_MAX} "
                "caractères au plus (les détails vont dans le texte).")
        if not text:
            form.error('texte', "Expliquez votre idée en quelques lignes.")
        elif len(text) > TEXT_MAX:
            form.error('texte', f"Raccourcissez le texte : {TEXT_MAX} "
                "caractères au plus.")
        if form.errors:
            return page.render("Proposer une idée",
                page.form('/idees/nouvelle', _idea_fields(page, form),
                    "Envoyer mon idée"), status=400, form=form)
        anonymous = form.checked('anonyme')
        Idea.create([{
                    'title': title,
                    'text': text,
                    'team': _record_id(Team, form.get('equipe')),
                    'category': _record_id(Category, form.get('categorie')),
                    'channel': 'portal',
                    'anonymous': anonymous,
                    'author': None if anonymous
                    else page.volunteer.party.id,
                    }])
        return page.redirect('/idees', "Merci ! Votre idée est enregistrée :"
            " la personne référente de l'équipe va l'étudier.")
    return page.render("Proposer une idée",
        '<p>Une idée pour améliorer la vie de l\'association ? Toutes les '
        'idées sont lues et reçoivent une réponse publique.</p>'
        + page.form('/idees/nouvelle', _idea_fields(page, Form()),
            "Envoyer mon idée"))


def idea_not_found(page):
    return page.error(404, "Idée introuvable", "Cette idée n'existe plus "
        "ou son lien est incomplet : retrouvez toutes les idées dans la "
        "boîte à idées.", '/idees', "Voir les idées")


def _get_idea(page, key):
    """The idea of the public key of its URL: the portal never shows ids,
    whose order would place an anonymous idea among its author's."""
    Idea = page.pool.get('connexion.idea')
    if not key or len(key) > 64 or not key.replace('-', '').replace(
            '_', '').isalnum():
        return None
    ideas = Idea.search([('public_key', '=', key)], limit=1)
    return ideas[0] if ideas else None


@route('/idees/<string:idea_key>')
def idea_detail(request, page, idea_key):
    if not page.volunteer:
        return no_profile(page)
    idea = _get_idea(page, idea_key)
    if not idea:
        return idea_not_found(page)
    voted = voted_ideas(page, [idea])
    rows = [("Reçue le", format_date(idea.received_date)),
        ("État", None),
        ("Soutiens", votes_text(idea.vote_count))]
    if idea.team:
        rows.append(("Équipe", idea.team.name))
    if idea.category:
        rows.append(("Thème", idea.category.name))
    infos = ''.join(
        f'<p><strong>{h(label)} :</strong> '
        + (state_badge(idea.state) if value is None else h(value)) + '</p>'
        for label, value in rows)
    body = [f'<article class="card">{infos}'
        f'<h2>L\'idée</h2><p>{paragraphs(idea.text)}</p>'
        + vote_form(page, idea, idea.id in voted,
            f'/idees/{idea.public_key}')
        + '</article>']
    if idea.answer and idea.answer_date:
        body.append('<section class="card"><h2>Réponse de l\'association'
            '</h2>'
            f'<p class="muted">{h(format_date(idea.answer_date))}</p>'
            f'<p>{paragraphs(idea.answer)}</p></section>')
    elif idea.state in OPEN_STATES:
        body.append('<p class="muted">La réponse sera publiée ici dès '
            'qu\'elle sera prête.</p>')
    if idea.duplicate_of:
        body.append('<p>Idée déjà proposée : <a href="'
            f'{h(page.url(f"/idees/{idea.duplicate_of.public_key}"))}">'
            f'{h(idea.duplicate_of.title)}</a></p>')
    if idea.decision and idea.decision.state in DECISION_STATES:
        decision = idea.decision
        body.append('<section class="card"><h2>Décision du comité</h2>'
            f'<p>{h(decision.name)}</p><p>'
            f'<span class="badge">{h(DECISION_STATES[decision.state])}'
            '</span></p></section>')
    body.append(f'<p><a href="{h(page.url("/idees"))}">Toutes les idées'
        '</a></p>')
    return page.render(idea.title, '\n'.join(body))


@route('/idees/<string:idea_key>/vote', methods=['POST'])
def vote(request, page, idea_key):
    "One vote per person: the database refuses a second one."
    Vote = page.pool.get('connexion.idea.vote')
    if not page.volunteer:
        return no_profile(page)
    suite = _safe_next(request.form.get('suite'))
    idea = _get_idea(page, idea_key)
    if not idea:
        return idea_not_found(page)
    party = page.volunteer.party
    if Vote.search([('idea', '=', idea.id), ('party', '=', party.id)]):
        return page.redirect(suite, "Vous avez déjà voté pour cette idée.")
    if idea.state not in OPEN_STATES:
        return page.redirect(suite, "Cette idée est close : vous ne pouvez "
            "plus la soutenir. Si le sujet vous tient à cœur, proposez une "
            "nouvelle idée.", error=True)
    if idea.author == party:
        return page.redirect(suite, "C'est votre idée : vous ne pouvez pas "
            "la soutenir vous-même. Parlez-en aux autres bénévoles : leurs "
            "soutiens comptent.", error=True)
    Vote.create([{'idea': idea.id, 'party': party.id}])
    return page.redirect(suite, "Merci, votre soutien est compté.")


# The project: phases, milestones, decisions

def projects(page):
    "The main projects that have a governance to follow."
    Work = page.pool.get('project.work')
    return Work.search([
            ('type', '=', 'project'),
            ('parent', '=', None),
            ['OR',
                ('phases', '!=', None),
                ('milestones', '!=', None),
                ('decisions', '!=', None)],
            ], order=[('name', 'ASC')], limit=10)


def _project_section(page, project, today):
    Decision = page.pool.get('connexion.decision')
    Committee = page.pool.get('connexion.committee')
    parts = [f'<h2>{h(project.name)}</h2>']
    if project.phases:
        items = []
        for phase in project.phases:
            dates = ''
            if phase.start_date and phase.end_date:
                dates = (f'du {format_date(phase.start_date)} au '
                    f'{format_date(phase.end_date)}')
            elif phase.start_date:
                dates = f'à partir du {format_date(phase.start_date)}'
            current = ''
            if (phase.start_date and phase.start_date <= today
                    and (not phase.end_date or today <= phase.end_date)):
                current = ' <span class="badge">En cours</span>'
            items.append(f'<li><strong>{h(phase.name)}</strong>{current}'
                + (f'<br><span class="muted">{h(dates)}</span>'
                    if dates else '') + '</li>')
        parts.append('<h3>Les étapes</h3><ol>' + ''.join(items) + '</ol>')
    if project.milestones:
        items = []
        for milestone in project.milestones:
            if milestone.reached_date:
                state = ('<span class="badge">Atteint le '
                    f'{h(milestone.reached_date.strftime("%d/%m/%Y"))}'
                    '</span>')
            elif milestone.planned_date < today:
                state = '<span class="badge late">En retard</span>'
            else:
                state = '<span class="badge wait">À venir</span>'
            items.append(f'<li><strong>{h(milestone.name)}</strong><br>'
                '<span class="muted">Prévu le '
                f'{h(milestone.planned_date.strftime("%d/%m/%Y"))}</span> '
                f'{state}</li>')
        parts.append('<h3>Les jalons</h3><ul>' + ''.join(items) + '</ul>')
    committees = Committee.search([
            ('project', '=', project.id),
            ('state', '=', 'planned'),
            ('date', '>=', today),
            ], order=[('date', 'ASC')], limit=3)
    if committees:
        parts.append('<h3>Prochains comités de pilotage</h3><ul>'
            + ''.join(f'<li>{h(format_date(c.date))} – {h(c.name)}</li>'
                for c in committees) + '</ul>')
    decisions = Decision.search([
            ('project', '=', project.id),
            ('state', 'in', list(DECISION_STATES)),
            ], order=[('validation_date', 'DESC NULLS LAST'),
                ('id', 'DESC')], limit=50)
    parts.append('<h3>Les décisions</h3>')
    if decisions:
        for decision in decisions:
            details = []
            if decision.committee:
                details.append(f'{decision.committee.name} du '
                    f'{decision.committee.date.strftime("%d/%m/%Y")}')
            if decision.due_date:
                details.append(
                    f'échéance {decision.due_date.strftime("%d/%m/%Y")}')
            parts.append(f'<article class="card"><h4>{h(decision.name)}</h4>'
                f'<p><span class="badge">'
                f'{h(DECISION_STATES[decision.state])}</span></p>'
                + (f'<p class="muted">{h(" – ".join(details))}</p>'
                    if details else '')
                + (f'<p>{paragraphs(decision.description)}</p>'
                    if decision.description else '')
                + '</article>')
    else:
        parts.append('<p>Aucune décision publiée pour le moment.</p>')
    return '\n'.join(parts)


@route('/projet')
def project(request, page):
    records = projects(page)
    today = page.pool.get('ir.date').today()
    if not records:
        body = '<p>Aucun projet à suivre pour le moment.</p>'
    else:
        body = '\n'.join(_project_section(page, p, today) for p in records)
    return page.render("Le projet : étapes et décisions", body)


# FAQ

@route('/faq')
def faq(request, page):
    Topic = page.pool.get('connexion.faq.topic')
    body = []
    for topic in Topic.search([]):
        entries = [e for e in topic.entries if e.published]
        if not entries:
            continue
        body.append(f'<h2>{h(topic.name)}</h2>')
        body.extend(
            f'<details class="card"><summary><strong>{h(e.question)}'
            f'</strong></summary><p>{paragraphs(e.answer)}</p></details>'
            for e in entries)
    if not body:
        body.append('<p>Aucune question publiée pour le moment.</p>')
    body.append('<p>Votre question n\'y est pas ? <a href="'
        f'{h(page.url("/idees/nouvelle"))}">Écrivez-nous par la boîte à '
        'idées</a>.</p>')
    return page.render("Questions fréquentes", '\n'.join(body))


# Home page

def home_section(page):
    "How many ideas are open, and the way to give one's own."
    Idea = page.pool.get('connexion.idea')
    idea = Idea.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*idea.select(Count(idea.id),
            where=idea.state.in_(list(OPEN_STATES))))
    count, = cursor.fetchone()
    text = (f'{count} idée{"s" if count > 1 else ""} '
        f'ouverte{"s" if count > 1 else ""} attend'
        f'{"ent" if count > 1 else ""} vos soutiens.' if count
        else "Aucune idée ouverte pour le moment.")
    return ('<h2>Boîte à idées</h2>'
        f'<p>{h(text)}</p>'
        f'<p><a class="button" href="{h(page.url("/idees/nouvelle"))}">'
        'Proposer une idée</a></p>'
        f'<p><a href="{h(page.url("/idees"))}">Voir les idées et les '
        'réponses</a> · <a href="'
        f'{h(page.url("/projet"))}">Suivre le projet</a></p>')


add_home_section(40, home_section)
