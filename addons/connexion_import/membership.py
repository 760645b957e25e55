"""Import of memberships, when connexion_membership is activated: each
membership is attached to its member as a gift to its donor (donation.py),
its type found by name.

Historical memberships are imported validated, without a move (their
accounting was done in the old tool), so that the members' statuses
(active, expired) and renewal reminders are right.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from connexion_asso.workflow import workflow_values_allowed

from . import cleaning
from .donation import DonorImporter


class MembershipImporter(DonorImporter):
    "Memberships."
    entity = 'membership'
    model = 'connexion.membership'
    targets = [('key', False), ('donor_key', False), ('email', False),
        ('membership_type', True), ('start_date', True), ('end_date', False),
        ('date', False), ('amount', False), ('payment_method', False),
        ('notes', False)]
    required = [('donor_key', 'email'), ('membership_type',),
        ('start_date',)]
    date_target = 'start_date'
    indicators = ('connexion.membership', 'start_date', 'amount')
    cleaners = dict(DonorImporter.cleaners,
        membership_type=cleaning.clean_char,
        start_date=cleaning.clean_date,
        end_date=cleaning.clean_end_date)

    def match(self, plan):
        "The member as a donor, then the membership type by its name."
        super().match(plan)
        types = None
        for row in plan.rows:
            if row.status is not None or not row.values.get('membership_type'):
                continue
            if types is None:
                types = self.membership_types()
            self.find_membership_type(plan, row, types)

    @staticmethod
    def membership_types():
        "{name without case nor accents, in any language: (id, fee)}."
        Type = Pool().get('connexion.membership.type')
        types = {}
        for language in ['en', 'fr']:
            with Transaction().set_context(language=language):
                for type_ in Type.search([]):
                    types[cleaning.code_key(type_.name)] = (
                        type_.id, type_.fee)
        return types

    def find_membership_type(self, plan, row, types):
        "The membership type of the row by its name."
        value = row.values['membership_type']
        type_ = types.get(cleaning.code_key(value))
        if not type_:
            row.reject(plan.column_name('membership_type'), gettext(
                    'connexion_import.msg_unknown_membership_type',
                    value=value, types=', '.join(sorted(types))))
            return False
        # Without a fee in the file, the type's fee: the indicators of the
        # file then count what the database will hold.
        row.values['membership_type'], fee = type_
        if not row.values.get('amount') and fee is not None:
            row.values['amount'] = Decimal(fee).quantize(Decimal('0.01'))
        return True

    def check_row(self, plan, row):
        values = row.values
        super().check_row(plan, row)
        if (values.get('end_date') and values.get('start_date')
                and values['end_date'] < values['start_date']):
            row.reject(plan.column_name('end_date'), gettext(
                    'connexion_import.msg_end_before_start'))

    def save(self, rows):
        "One create for the whole batch (the ORM checks every membership)."
        Membership = Pool().get('connexion.membership')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        company = self.donation_company()
        vlist = []
        for row in rows:
            values = {
                'company': company.id,
                'currency': company.currency.id,
                'party': row.values['party'],
                'type': row.values['membership_type'],
                'start_date': row.values['start_date'],
                'date': row.values.get('date') or row.values['start_date'],
                'payment_method': row.values.get('payment_method'),
                'notes': row.values.get('notes'),
                'state': 'validated',
                }
            # Without them, the type gives the fee and the end date.
            for name in ['end_date', 'amount']:
                if row.values.get(name):
                    values[name] = row.values[name]
            vlist.append(values)
        # Fees already paid: validated as the association's history.
        with workflow_values_allowed():
            memberships = Membership.create(vlist)
        for row, membership in zip(rows, memberships):
            row.match = membership.id


# Registered only when connexion_membership is activated (tryton.cfg).
class Run(metaclass=PoolMeta):
    __name__ = 'connexion.import.run'

    @classmethod
    def _importers(cls):
        return super()._importers() + [MembershipImporter]
