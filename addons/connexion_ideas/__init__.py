"""The idea box of the association: anyone submits an idea, named or
anonymous, on paper, by e-mail, on the portal or in a meeting; volunteers
support it with their votes; the team's referent answers publicly. Also the
FAQ, and their portal pages.

The idea box needs no project management: connexion_governance links an
idea to the committee's decision and the project task that follow it.
"""
# The portal pages register themselves on trytond's app.
from . import portal_routes

__all__ = [portal_routes]
