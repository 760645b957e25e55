"""The project on the volunteer portal: its phases, milestones, next
steering committees and published decisions (``/projet``), and its entry
on the home page.

Pages are served by the portal framework of connexion_portal (layout,
session, CSRF); routes run as root and show only what is published to
volunteers.
"""
from connexion_portal.portal import route
from connexion_portal.registry import add_home_section, add_nav
from connexion_portal.template import selection

from .committee import PUBLISHED_STATES

add_nav(50, '/projet', 'connexion_governance.msg_portal_nav_project')


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


def _project_parts(page, project, today):
    "The project, its next steering committees and its decisions shown."
    Decision = page.pool.get('connexion.decision')
    Committee = page.pool.get('connexion.committee')
    committees = Committee.search([
            ('project', '=', project.id),
            ('state', '=', 'planned'),
            ('date', '>=', today),
            ], order=[('date', 'ASC')], limit=3)
    decisions = Decision.search([
            ('project', '=', project.id),
            ('state', 'in', list(PUBLISHED_STATES)),
            ], order=[('validation_date', 'DESC NULLS LAST'),
                ('id', 'DESC')], limit=50)
    return project, committees, decisions


@route('/projet')
def project(request, page):
    Decision = page.pool.get('connexion.decision')
    today = page.pool.get('ir.date').today()
    return page.render('connexion_governance/templates/portal_project.html',
        today=today,
        decision_states=selection(Decision, 'state'),
        projects=[_project_parts(page, p, today) for p in projects(page)])


def home_section(page):
    "The way to follow the project, when there is one."
    if not projects(page):
        return ''
    return page.fragment('connexion_governance/templates/portal_home.html')


add_home_section(50, home_section)
