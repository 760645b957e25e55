"""Idea box, votes, answers, FAQ and the decisions board of the association.

This module also carries the governance of the association's projects
(sponsors, team referents, phases, milestones, indicators, risks,
communication plan, steering committees and decision log): it extends
Tryton's ``project.work`` rather than creating a second project model, and it
lives here so that ideas can be linked to decisions and project tasks without
a new dependency in ``connexion_asso``.
"""
# The portal pages register themselves on trytond's app.
from . import portal_routes

__all__ = [portal_routes]
