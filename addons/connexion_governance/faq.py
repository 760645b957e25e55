"""The project a topic of the FAQ is about."""
from trytond.model import fields
from trytond.pool import PoolMeta


class Topic(metaclass=PoolMeta):
    __name__ = 'connexion.faq.topic'

    project = fields.Many2One(
        'project.work', "Project", ondelete='SET NULL',
        domain=[('type', '=', 'project')])
