"""Users in module tests, where trytond runs as root without checks: a
user of some groups, and acting as them, as a client call of theirs."""
from trytond.pool import Pool
from trytond.transaction import Transaction


class as_user:
    "Act as a real user: access rights, field access and record rules apply."

    def __init__(self, user):
        transaction = Transaction()
        self.managers = [
            transaction.set_user(user.id),
            transaction.set_context(_check_access=True),
            ]

    def __enter__(self):
        for manager in self.managers:
            manager.__enter__()

    def __exit__(self, *args):
        for manager in reversed(self.managers):
            manager.__exit__(*args)


def make_user(login, *groups, name=None, company=None):
    """A user in groups (XML ids 'module.id'), named login.title() unless
    name is given, of company when given."""
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    values = {'login': login, 'name': name or login.title(),
        'groups': [('add', [ModelData.get_id(*g.split('.'))
                    for g in groups])]}
    if company:
        values['companies'] = [('add', [company.id])]
        values['company'] = company.id
    user, = User.create([values])
    return user


def company_user(login, *groups, name=None):
    "A user in groups (make_user) of the only company."
    Company = Pool().get('company.company')
    company, = Company.search([])
    return make_user(login, *groups, name=name, company=company)
