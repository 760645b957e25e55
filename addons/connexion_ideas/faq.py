"""Questions and answers about the association and its projects, written in
the back office and read on the portal (connexion_governance links a topic
to its project)."""
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)


class Topic(DeactivableMixin, sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'connexion.faq.topic'

    name = fields.Char("Name", required=True)
    entries = fields.One2Many('connexion.faq.entry', 'topic', "Questions")


class Entry(sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'connexion.faq.entry'

    topic = fields.Many2One(
        'connexion.faq.topic', "Topic", required=True, ondelete='CASCADE')
    question = fields.Char("Question", required=True)
    answer = fields.Text("Answer", required=True)
    published = fields.Boolean(
        "Published", help="Only published questions are shown on the portal.")

    @staticmethod
    def default_published():
        return True

    def get_rec_name(self, name):
        return self.question
