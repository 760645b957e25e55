"""Fixtures of the gifts' tests, shared by the modules extending the gifts
(tax receipts, memberships, SEPA): one place that knows what a gift needs,
the teams that may see the gifts and a check as each of them."""
from contextlib import contextmanager

from trytond.transaction import Transaction

from connexion_asso.tests.access import make_user

# (login, group, allowed): who may handle the gifts and their receipts.
FUNDRAISING_ACCESS = [
    ('collecte', 'group_team_fundraising', True),
    ('finances', 'group_team_admin', True),
    ('reves', 'group_team_dreams', False),
    ('hopitaux', 'group_team_hospitals', False),
    ('benevole', 'group_volunteer', False),
    ]


@contextmanager
def as_team(test, login, group, company):
    """A subtest run as a new user of company in group of connexion_asso,
    with access rights checked as for a client."""
    user = make_user(login, f'connexion_asso.{group}', company=company)
    with test.subTest(team=login), \
            Transaction().set_user(user.id), \
            Transaction().set_context(_check_access=True):
        yield


def gift_values(company, party, **values):
    "The create values of a gift of party to company's association."
    return dict({'company': company.id, 'party': party.id,
            'currency': company.currency.id}, **values)


def validated_gift_values(company, party, date, amount, **values):
    "The create values of a validated transfer, the usual gift of the tests."
    return gift_values(company, party, date=date, amount=amount,
        **dict({'payment_method': 'transfer', 'state': 'validated'},
            **values))
