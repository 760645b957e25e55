"""Register of processing activities (GDPR art. 30), mandatory here because
the association processes children's health data."""
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.report import Report

LEGAL_BASES = [
    ('consent', "Consent"),
    ('contract', "Contract"),
    ('legitimate_interest', "Legitimate Interest"),
    ('legal_obligation', "Legal Obligation"),
    ('vital_interest', "Vital Interest"),
    ]


class Processing(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'connexion.gdpr.processing'

    code = fields.Char("Code", required=True)
    name = fields.Char("Name", required=True)
    purpose = fields.Text("Purpose", required=True)
    legal_basis = fields.Selection(
        LEGAL_BASES, "Legal Basis", required=True)
    legal_basis_string = legal_basis.translated('legal_basis')
    data_subjects = fields.Text(
        "Data Subjects", help="Categories of people concerned.")
    data_categories = fields.Text("Data Categories", required=True)
    special_categories = fields.Boolean(
        "Special Categories",
        help="Health or other data of GDPR article 9: explicit consent and "
        "an impact assessment (DPIA) are needed.")
    recipients = fields.Text("Recipients")
    transfers = fields.Text(
        "Transfers outside the EU", help="Leave empty when there is none.")
    retention = fields.Text("Retention", required=True)
    security_measures = fields.Text("Security Measures", required=True)
    team = fields.Many2One(
        'connexion.team', "Team", ondelete='RESTRICT',
        help="The team responsible for the processing.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'connexion_gdpr.msg_processing_code_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))

    def get_rec_name(self, name):
        return f'{self.code} - {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        bool_op = 'AND' if operator.startswith('!') else 'OR'
        return [bool_op,
            ('code', operator, operand, *extra),
            ('name', operator, operand, *extra),
            ]


class ProcessingRegister(Report):
    "The register as a printable document for the CNIL or an audit."
    __name__ = 'connexion.gdpr.processing.register'

    @classmethod
    def get_context(cls, records, header, data):
        from trytond.pool import Pool
        context = super().get_context(records, header, data)
        context['association'] = Pool().get(
            'connexion.association').get_singleton()
        return context
