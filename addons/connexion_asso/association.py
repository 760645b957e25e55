"""The association's own identity (printed on tax receipts, portal, e-mails)."""
import re

from stdnum.fr import siren as stdnum_siren

from trytond.i18n import gettext
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pyson import Eval

from .exceptions import AssociationIdentifierError

RNA_PATTERN = re.compile(r'^W\d{9}$')

LEGAL_FORMS = [
    (None, ""),
    ('loi1901', "Association (1901 law)"),
    ('loi1908', "Association (local law Alsace-Moselle)"),
    ('foundation', "Foundation"),
    ('endowment', "Endowment fund"),
    ]


class Association(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'connexion.association'

    name = fields.Char("Name", required=True)
    legal_form = fields.Selection(LEGAL_FORMS, "Legal Form")
    rna = fields.Char(
        "RNA Number",
        help="Number in the national register of associations (W + 9 digits).")
    siren = fields.Char("SIREN", help="9-digit SIREN number, if any.")
    street = fields.Text("Street")
    postal_code = fields.Char("Postal Code")
    city = fields.Char("City")
    country = fields.Many2One('country.country', "Country")
    email = fields.Char("E-mail")
    phone = fields.Char("Phone")
    website = fields.Char("Website")
    purpose = fields.Text(
        "Purpose",
        help="The association's objet social as declared in its statutes; "
        "printed on tax receipts.")
    public_utility = fields.Boolean(
        "Recognised of Public Utility",
        help="Recognised of public utility by decree (RUP).")
    public_utility_decree_date = fields.Date(
        "Public Utility Decree Date",
        states={'invisible': ~Eval('public_utility')},
        help="Date of the decree recognising the association of public "
        "utility, printed on tax receipts.")
    public_utility_journal = fields.Char(
        "Journal Officiel Reference",
        states={'invisible': ~Eval('public_utility')},
        help="Publication of the decree in the Journal officiel (date and "
        "page or NOR), printed on tax receipts.")
    general_interest = fields.Boolean(
        "General Interest",
        help="The association is of general interest and may issue tax "
        "receipts.")
    logo = fields.Binary("Logo")
    signatory_name = fields.Char(
        "Signatory", help="Person authorised to sign tax receipts.")
    signatory_function = fields.Char("Signatory Function")
    signature = fields.Binary(
        "Signature", help="Image of the signature printed on receipts.")

    @staticmethod
    def default_legal_form():
        return 'loi1901'

    @fields.depends('rna')
    def on_change_rna(self):
        if self.rna:
            self.rna = self.rna.strip().upper().replace(' ', '')

    @fields.depends('siren')
    def on_change_siren(self):
        if self.siren:
            self.siren = stdnum_siren.compact(self.siren)

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if record.rna and not RNA_PATTERN.match(record.rna):
                raise AssociationIdentifierError(gettext(
                        'connexion_asso.msg_invalid_rna', rna=record.rna))
            if record.siren and not stdnum_siren.is_valid(record.siren):
                raise AssociationIdentifierError(gettext(
                        'connexion_asso.msg_invalid_siren',
                        siren=record.siren))

    @property
    def full_address(self):
        "Address block as printed on documents."
        lines = [self.street or '', ' '.join(
                filter(None, [self.postal_code, self.city]))]
        if self.country and self.country.code != 'FR':
            lines.append(self.country.name)
        return '\n'.join(l for l in lines if l.strip())
