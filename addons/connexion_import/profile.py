"""Import profiles: how the columns of a file map to Connexion's fields.

A profile is saved once per source (old CRM, Excel file of a team) and
reused for every later file of that source.
"""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool

from .cleaning import code_key
from .exceptions import ProfileError

ENTITIES = [
    ('party', "Contacts and Donors"),
    ('volunteer', "Volunteers"),
    ('donation', "Donations"),
    ('hours', "Volunteer Hours"),
    ('membership', "Memberships"),
    ]

# target: (label, kind); kind selects the cleaning function.
TARGETS = [
    ('key', "Source Key"),
    ('name', "Full Name"),
    ('first_name', "First Name"),
    ('last_name', "Last Name"),
    ('email', "E-mail"),
    ('phone', "Phone"),
    ('mobile', "Mobile"),
    ('street', "Street"),
    ('postal_code', "Postal Code"),
    ('city', "City"),
    ('country', "Country"),
    ('iban', "IBAN"),
    ('bic', "BIC"),
    ('status', "Volunteer Status"),
    ('criminal_record_date', "Criminal Record Check"),
    ('donor_key', "Donor or Member Key"),
    ('date', "Date"),
    ('amount', "Amount"),
    ('payment_method', "Payment Method"),
    ('check_number', "Cheque Number"),
    ('campaign', "Campaign"),
    ('notes', "Notes"),
    ('volunteer_key', "Volunteer Key"),
    ('mission', "Mission"),
    ('hours', "Hours"),
    ('distance', "Distance (km)"),
    ('membership_type', "Membership Type"),
    ('start_date', "Start Date"),
    ('end_date', "End Date"),
    ]


class Profile(ModelSQL, ModelView):
    __name__ = 'connexion.import.profile'

    name = fields.Char("Name", required=True)
    entity = fields.Selection(ENTITIES, "Imported Records",
        required=True)
    entity_string = entity.translated('entity')
    source = fields.Char("Source", required=True,
        help="Where the data comes from (e.g. \"Old CRM\"). With the key "
        "column it identifies each row, so that importing a file again "
        "imports nothing twice.")
    columns = fields.One2Many(
        'connexion.import.profile.column', 'profile', "Columns")
    transcodes = fields.One2Many(
        'connexion.import.transcode', 'profile', "Transcodification",
        help="Old codes of the source replaced by Connexion's values "
        "before the checks (e.g. payment code \"CHQ\" → \"check\").")
    batch_size = fields.Integer("Batch Size", required=True,
        domain=[('batch_size', '>', 0)],
        help="Rows saved together; an interrupted import resumes after "
        "the last saved batch.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('name_unique', Unique(t, t.name),
                'connexion_import.msg_profile_name_unique'),
            ]

    @classmethod
    def get_entities(cls):
        "Kinds of records that can be imported (extended in __setup__)."
        return list(cls.entity.selection)

    @staticmethod
    def default_entity():
        return 'party'

    @staticmethod
    def default_batch_size():
        return 1000

    def header_positions(self, header):
        "Index of the file column of each mapped target."
        positions = {code_key(h): i for i, h in enumerate(header)}
        mapping = {}
        for column in self.columns:
            position = positions.get(code_key(column.column))
            if position is not None:
                mapping[column.target] = position
        return mapping

    def transcodings(self):
        "{target: {old value (without case): new value}}."
        result = {}
        for line in self.transcodes:
            result.setdefault(line.target, {})[
                code_key(line.source_value)] = line.value
        return result

    @classmethod
    def validate_fields(cls, profiles, field_names):
        super().validate_fields(profiles, field_names)
        pool = Pool()
        Run = pool.get('connexion.import.run')
        for profile in profiles:
            # Only the entities of connexion_donation may lack their
            # importer (registered when that module is activated).
            if profile.entity not in Run.importers():
                raise ProfileError(gettext(
                        'connexion_import.msg_donation_not_activated',
                        profile=profile.rec_name))
            allowed = {t for t, _ in Run.targets(profile.entity)}
            for column in profile.columns:
                if column.target not in allowed:
                    raise ProfileError(gettext(
                            'connexion_import.msg_profile_target',
                            profile=profile.rec_name,
                            column=column.column))


class ProfileColumn(ModelSQL, ModelView):
    __name__ = 'connexion.import.profile.column'

    profile = fields.Many2One('connexion.import.profile', "Profile",
        required=True, ondelete='CASCADE')
    column = fields.Char("File Column", required=True,
        help="Header of the column in the file (case and accents ignored).")
    target = fields.Selection(TARGETS, "Field", required=True)


class Transcode(ModelSQL, ModelView):
    __name__ = 'connexion.import.transcode'

    profile = fields.Many2One('connexion.import.profile', "Profile",
        required=True, ondelete='CASCADE')
    target = fields.Selection(TARGETS, "Field", required=True)
    source_value = fields.Char("Old Value", required=True)
    value = fields.Char("New Value", required=True)
