"""What governance adds to the idea box: the decision taken following an
idea and the project task that carries it out."""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from connexion_portal.template import selection

from .committee import PUBLISHED_STATES


class Idea(metaclass=PoolMeta):
    __name__ = 'connexion.idea'

    decision = fields.Many2One(
        'connexion.decision', "Decision", ondelete='SET NULL',
        help="The decision taken following the idea.")
    task = fields.Many2One(
        'project.work', "Project Task", ondelete='SET NULL',
        help="The project task that carries out the idea.")

    def portal_sections(self, page):
        "The committee's decision taken following the idea, once published."
        sections = super().portal_sections(page)
        if self.decision and self.decision.state in PUBLISHED_STATES:
            Decision = Pool().get('connexion.decision')
            sections.append(page.fragment(
                    'connexion_governance/templates/portal_idea_decision.html',
                    decision=self.decision,
                    decision_states=selection(Decision, 'state')))
        return sections
