"""Right of access (GDPR art. 15): every record about a person, as JSON for
portability and as a readable document.

The export obeys the field access of the user who runs it (a GDPR officer
outside the medical group gets no health data) and is written to the
health-data access log for every record that has medical fields."""
import datetime as dt
import decimal
import json

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import (
    Button, StateAction, StateView, Wizard)

# Technical fields that say nothing about the person.
SKIPPED_FIELDS = {'create_uid', 'write_uid', 'create_date', 'write_date',
    'rec_name', 'xml_id', 'active', 'email_token'}


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, dt.timedelta)):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _readable(Model):
    """The fields of Model the user may read (field access): the export
    escalates to read every record about the person, never past the
    medical group's fields."""
    pool = Pool()
    FieldAccess = pool.get('ir.model.field.access')
    if not Transaction().user:
        return set(Model._fields)
    access = FieldAccess.get_access([Model.__name__])[Model.__name__]
    return {n for n in Model._fields
        if access.get(n, {}).get('read', True)}


def _describe(record, logged=None):
    """Readable values (labels in the user's language) of a record.

    logged: {(model, id): sensitive field names given}, filled for the
    records that have medical fields."""
    definitions = record.__class__.fields_get()
    readable = _readable(record.__class__)
    sensitive = set(getattr(record.__class__, '_sensitive_fields', ()))
    given = set()
    result = {}
    for name, field in record._fields.items():
        if (name in SKIPPED_FIELDS or isinstance(field, fields.Function)
                or field._type in {'binary', 'one2many', 'many2many'}
                or name not in readable):
            continue
        value = getattr(record, name, None)
        if value is None or value == '':
            continue
        definition = definitions.get(name, {})
        if field._type == 'selection' and isinstance(
                definition.get('selection'), (list, tuple)):
            value = dict(definition['selection']).get(value, value)
        elif field._type in {'many2one', 'reference'}:
            value = getattr(value, 'rec_name', str(value))
        result[definition.get('string', name)] = _plain(value)
        if name in sensitive:
            given.add(name)
    if sensitive and logged is not None:
        logged.setdefault((record.__name__, record.id), set()).update(given)
    return result


def _section(record):
    return record.__class__.__names__()['model']


def subject_data(party):
    """{section: [record values]} of everything about the party.

    Sections are the models' descriptions so the person can read them."""
    pool = Pool()
    Party = pool.get('party.party')
    Attachment = pool.get('ir.attachment')
    Note = pool.get('ir.note')
    Channel = pool.get('ir.chat.channel')
    ChatMessage = pool.get('ir.chat.message')
    SensitiveAccess = pool.get('connexion.gdpr.sensitive_access')
    data = {}
    logged = {}

    def add(records):
        for record in records:
            section = _section(record)
            data.setdefault(section, []).append(_describe(record, logged))

    with without_check_access():
        party = Party(party.id)
        add([party])
        add(party.addresses)
        add(party.contact_mechanisms)
        add(party.identifiers)
        resources = [str(party)]
        for Model, field_name in Party._gdpr_related_models():
            records = Model.search([(field_name, '=', party.id)])
            add(records)
            resources.extend(str(r) for r in records)
        add(Attachment.search([('resource', 'in', resources)]))
        add(Note.search([('resource', 'in', resources)]))
        emails = list(party._gdpr_emails())
        channels = Channel.search([('resource', 'in', resources)])
        add(ChatMessage.search(['OR',
                    ('channel', 'in', [c.id for c in channels]),
                    ('email', 'in', emails),
                    ]))
        add(Party.gdpr_records_by_email(emails))
    # Always logged, even without medical field given: the DPO sees who
    # exported a child's file.
    for (model_name, id_), names in logged.items():
        SensitiveAccess.log(model_name, [id_], names, 'subject_access')
    return data


class SubjectAccessStart(ModelView):
    __name__ = 'connexion.gdpr.subject_access.start'

    party = fields.Many2One('party.party', "Party", readonly=True)
    notice = fields.Text("Health Data", readonly=True)
    file = fields.Binary("JSON File", readonly=True, filename='filename')
    filename = fields.Char("File Name", readonly=True)


class SubjectAccess(Wizard):
    "Give a person every record about them (JSON and printable document)."
    __name__ = 'connexion.gdpr.subject_access'

    start = StateView('connexion.gdpr.subject_access.start',
        'connexion_gdpr.subject_access_start_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Print", 'print_', 'tryton-print', default=True),
            ])
    print_ = StateAction('connexion_gdpr.report_subject_access')

    def default_start(self, fields):
        data = subject_data(self.record)
        content = json.dumps(data, ensure_ascii=False, indent=2)
        return {
            'party': self.record.id,
            'notice': gettext('connexion_gdpr.msg_subject_access_medical'),
            'file': content.encode('utf-8'),
            'filename': f'donnees-personnelles-{self.record.id}.json',
            }

    def do_print_(self, action):
        return action, {'ids': [self.record.id]}


class SubjectAccessReport(Report):
    __name__ = 'connexion.gdpr.subject_access'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['subject_data'] = subject_data
        context['today'] = Pool().get('ir.date').today()
        return context
