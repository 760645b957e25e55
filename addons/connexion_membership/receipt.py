"""A membership fee without counterpart is receipted like a gift (BOI-IR-
RICI-250-10): the receipts of connexion_tax_receipt list the fees too."""
from sql import Literal, Null

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from connexion_tax_receipt.donation import ReceiptedMixin
from connexion_tax_receipt.exceptions import ReceiptRefusedError

# The CERFA box « Autres » of a membership fee without counterpart.
MEMBERSHIP_FORM = "Autres : cotisation sans contrepartie"


class Membership(ReceiptedMixin, metaclass=PoolMeta):
    "A receipted fee is locked as a receipted gift is."
    __name__ = 'connexion.membership'

    receipt = fields.Many2One(
        'connexion.donation.receipt', "Tax Receipt", readonly=True,
        ondelete='RESTRICT',
        help="The tax receipt that includes the fee (fees without "
        "counterpart only).")


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    memberships = fields.One2Many(
        'connexion.membership', 'receipt', "Membership Fees", readonly=True)

    @classmethod
    def _receipted_models(cls):
        return dict(super()._receipted_models(),
            **{'connexion.membership': 'membership'})

    @classmethod
    def _receiptable_query(cls, model_name, table, from_, columns):
        "A fee is a gift in cash of its member, unless it has a counterpart."
        from_, columns = super()._receiptable_query(
            model_name, table, from_, columns)
        if model_name == 'connexion.membership':
            pool = Pool()
            party = pool.get('party.party').__table__()
            type_ = pool.get('connexion.membership.type').__table__()
            from_ = from_.join(party, condition=table.party == party.id
                ).join(type_, condition=table.type == type_.id)
            columns = columns + [party.donor_type,
                type_.with_counterpart.as_('with_counterpart')]
        return from_, columns

    @classmethod
    def _receiptable_row(cls, model_name, row):
        row = super()._receiptable_row(model_name, row)
        if model_name == 'connexion.membership':
            row.update(form='membership', nature='cash',
                in_kind_description=None)
        return row

    @classmethod
    def _check_receiptable(cls, model_name, row):
        "Refuse a fee not validated, already receipted or with counterpart."
        super()._check_receiptable(model_name, row)
        if model_name != 'connexion.membership':
            return
        membership = Pool().get(model_name)(row['id'])
        if row['state'] != 'validated':
            raise ReceiptRefusedError(gettext(
                    'connexion_membership.msg_membership_not_validated',
                    membership=membership.rec_name))
        if row['receipt_state'] == 'issued':
            raise ReceiptRefusedError(gettext(
                    'connexion_membership.msg_membership_receipted',
                    receipt=row['receipt_number'],
                    membership=membership.rec_name))
        if row.get('with_counterpart'):
            raise ReceiptRefusedError(gettext(
                    'connexion_membership.msg_membership_counterpart',
                    membership=membership.rec_name))

    def _covered(self):
        return super()._covered() + [
            (m.__name__, m.id) for m in self.memberships]


    @classmethod
    def _printed_forms(cls, forms):
        "A fee is printed in the box « Autres » as a fee without counterpart."
        forms, printed = super()._printed_forms(forms)
        if 'membership' in forms:
            forms = (forms - {'membership'}) | {'other'}
            printed = [(k, MEMBERSHIP_FORM if k == 'other' else v)
                for k, v in printed]
        return forms, printed

    @classmethod
    def _printed_nature(cls, line):
        if line['form'] == 'membership':
            return "Cotisation"
        return super()._printed_nature(line)


class ReceiptLine(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt.line'

    membership = fields.Many2One(
        'connexion.membership', "Membership", ondelete='RESTRICT',
        states={'invisible': ~Eval('membership')},
        help="A membership fee without counterpart, receipted like a gift.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Issuing links the fees through their lines (Receipt._link).
        cls._sql_indexes.add(Index(t, (t.membership, Index.Equality())))
        # A membership fee is neither of the forms of a gift.
        cls.form.selection.append(('membership', "Membership Fee"))


class Generate(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt.generate'

    @classmethod
    def _receiptable_filter(cls, model_name, table, from_, where):
        "Fees without counterpart and not free."
        from_, where = super()._receiptable_filter(
            model_name, table, from_, where)
        if model_name == 'connexion.membership':
            Type = Pool().get('connexion.membership.type')
            type_ = Type.__table__()
            from_ = from_.join(type_, condition=table.type == type_.id)
            where &= ((type_.with_counterpart == Null)
                | (type_.with_counterpart == Literal(False)))
            where &= table.amount > 0
        return from_, where
