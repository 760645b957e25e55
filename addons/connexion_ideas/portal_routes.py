"""The "gare centrale" of the volunteer portal: the idea box (submit, vote,
read the answers) and the FAQ (connexion_governance adds the project).

Pages are served by the portal framework of connexion_portal (layout,
session, CSRF). Routes run as root: an idea's author and a vote's voter are always
the party of the logged-in volunteer, never a value taken from the form.
An anonymous idea is created without any author and the page never says
who sent it (the same URL and answer as a named one).
"""

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.transaction import Transaction

from connexion_portal import portal_forms
from connexion_portal.portal import route
from connexion_portal.portal_forms import Form
from connexion_portal.portal_routes import _safe_next, no_profile
from connexion_portal.registry import add_home_section, add_nav
from connexion_portal.template import selection

from .idea import OPEN_STATES

TITLE_MAX = 200
TEXT_MAX = 5000
LIST_LIMIT = 100
VIEWS = ('ouvertes', 'reponses', 'miennes')

add_nav(40, '/idees', 'connexion_ideas.msg_portal_nav_ideas')
add_nav(60, '/faq', 'connexion_ideas.msg_portal_nav_faq')


def voted_ideas(page, ideas):
    "Ids of the ideas among ideas the volunteer voted for."
    Vote = page.pool.get('connexion.idea.vote')
    if not ideas or not page.volunteer:
        return set()
    return {v.idea.id for v in Vote.search([
                ('idea', 'in', [i.id for i in ideas]),
                ('party', '=', page.volunteer.party.id),
                ])}


def _render(page, template, **values):
    """The page of template (connexion_ideas/templates/) with what the idea
    cards need: the volunteer's party, the translated states."""
    Idea = page.pool.get('connexion.idea')
    return page.render('connexion_ideas/templates/' + template,
        party=page.volunteer.party if page.volunteer else None,
        states=selection(Idea, 'state'),
        open_states=OPEN_STATES, **values)


@route('/idees')
def ideas(request, page):
    pool = page.pool
    Idea = pool.get('connexion.idea')
    if not page.volunteer:
        return no_profile(page)
    view = request.args.get('vue', 'ouvertes')
    if view not in VIEWS:
        view = 'ouvertes'
    if view == 'ouvertes':
        domain = [('state', 'in', list(OPEN_STATES))]
        order = [('received_date', 'DESC'), ('id', 'DESC')]
    elif view == 'reponses':
        domain = [('answer_date', '!=', None)]
        order = [('answer_date', 'DESC'), ('id', 'DESC')]
    else:
        domain = [
            ('author', '=', page.volunteer.party.id),
            ('anonymous', '=', False),
            ]
        order = [('received_date', 'DESC'), ('id', 'DESC')]
    records = Idea.search(domain, order=order, limit=LIST_LIMIT)
    return _render(page, 'portal_ideas.html', view=view, ideas=records,
        voted=voted_ideas(page, records), suite=f'/idees?vue={view}')


def _new_idea_page(page, form=None, status=200):
    pool = page.pool
    return page.render('connexion_ideas/templates/portal_idea_new.html',
        status=status, form=form,
        teams=pool.get('connexion.team').search([]),
        categories=pool.get('connexion.idea.category').search([]),
        title_max=TITLE_MAX, text_max=TEXT_MAX)


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
            form.error('titre',
                gettext('connexion_ideas.msg_portal_idea_title'))
        elif len(title) > TITLE_MAX:
            form.error('titre', gettext(
                    'connexion_ideas.msg_portal_idea_title_long',
                    maximum=TITLE_MAX))
        if not text:
            form.error('texte',
                gettext('connexion_ideas.msg_portal_idea_text'))
        elif len(text) > TEXT_MAX:
            form.error('texte', gettext(
                    'connexion_ideas.msg_portal_idea_text_long',
                    maximum=TEXT_MAX))
        if form.errors:
            return _new_idea_page(page, form, status=400)
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
        return page.redirect('/idees',
            gettext('connexion_ideas.msg_portal_idea_saved'))
    return _new_idea_page(page)


def idea_not_found(page):
    return page.error(404,
        gettext('connexion_ideas.msg_portal_idea_not_found_title'),
        gettext('connexion_ideas.msg_portal_idea_not_found'),
        '/idees', gettext('connexion_ideas.msg_portal_see_ideas'))


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
    return _render(page, 'portal_idea.html', idea=idea,
        voted=voted_ideas(page, [idea]), suite=f'/idees/{idea.public_key}',
        sections=idea.portal_sections(page))


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
        return page.redirect(suite,
            gettext('connexion_ideas.msg_portal_already_voted'))
    if idea.state not in OPEN_STATES:
        return page.redirect(suite,
            gettext('connexion_ideas.msg_portal_idea_closed'), error=True)
    if idea.author == party:
        return page.redirect(suite,
            gettext('connexion_ideas.msg_portal_own_idea'), error=True)
    Vote.create([{'idea': idea.id, 'party': party.id}])
    return page.redirect(suite,
        gettext('connexion_ideas.msg_portal_voted'))


# FAQ

@route('/faq')
def faq(request, page):
    Topic = page.pool.get('connexion.faq.topic')
    topics = []
    for topic in Topic.search([]):
        entries = [e for e in topic.entries if e.published]
        if entries:
            topics.append((topic, entries))
    return _render(page, 'portal_faq.html', topics=topics)


# Home page

def home_section(page):
    "How many ideas are open, and the way to give one's own."
    Idea = page.pool.get('connexion.idea')
    idea = Idea.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*idea.select(Count(idea.id),
            where=idea.state.in_(list(OPEN_STATES))))
    count, = cursor.fetchone()
    return page.fragment('connexion_ideas/templates/portal_home.html',
        count=count)


add_home_section(40, home_section)
