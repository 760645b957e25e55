"""Governance of the association's projects ("Projet Connexion"): sponsors,
team referents, phases, milestones, success indicators, risks,
communication plan, steering committees and the decision log.

It extends Tryton's ``project.work`` rather than creating a second project
model, and the idea box of ``connexion_ideas`` (which stays free of project
management): an idea leads to a committee's decision and a project task.
Its portal page follows the project (``/projet``).
"""
# The portal pages register themselves on trytond's app.
from . import portal_routes

__all__ = [portal_routes]
