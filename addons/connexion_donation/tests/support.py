"""Fixtures of the gifts' tests, shared by the modules extending the gifts
(tax receipts, memberships, SEPA): one place that knows what a gift needs,
a user per team and the teams that may see the gifts."""
from contextlib import contextmanager

from trytond.pool import Pool
from trytond.transaction import Transaction

# (login, group, allowed): who may handle the gifts and their receipts.
FUNDRAISING_ACCESS = [
    ('collecte', 'group_team_fundraising', True),
    ('finances', 'group_team_admin', True),
    ('reves', 'group_team_dreams', False),
    ('hopitaux', 'group_team_hospitals', False),
    ('benevole', 'group_volunteer', False),
    ]


def make_user(login, group, company):
    "A user of one group of connexion_asso (a team, or portal volunteers)."
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{'login': login, 'name': login.title(),
                'companies': [('add', [company.id])], 'company': company.id,
                'groups': [('add', [
                            ModelData.get_id('connexion_asso', group)])]}])
    return user


@contextmanager
def as_team(test, login, group, company):
    """A subtest run as a new user of group, with access rights checked as
    for a client."""
    user = make_user(login, group, company)
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
