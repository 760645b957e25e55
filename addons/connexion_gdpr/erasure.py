"""Right to erasure (GDPR art. 17): anonymise a person everywhere but keep
what the law requires (accounting 10 years, tax receipts 6 years,
art. 17(3)(b))."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

ORIGINS = [
    ('request', "Request of the Person"),
    ('retention', "Retention Period Over"),
    ]

# Records the law requires to keep (they keep pointing to the anonymised
# party, so the accounting still balances).
KEPT_MODELS = ('account.', 'connexion.donation')
# Fields that identify records, not people.
KEPT_FIELDS = {'code', 'code_alnum', 'code_digit', 'rec_name', 'number',
    'reference', 'email_token'}


def _blank_values(Model, exclude=()):
    "Values that clear every stored text field a person may have typed."
    values = {}
    for name, field in Model._fields.items():
        if (name in exclude or name in KEPT_FIELDS
                or name.startswith('gdpr_')
                or field._type not in {'char', 'text'}
                or not getattr(field, 'sql_type', None)
                or isinstance(field, fields.Function)
                or getattr(field, 'translate', False)
                or field.required):
            continue
        values[name] = None
    return values


def kept_models():
    return KEPT_MODELS


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_erase(cls, parties, reason, origin='request'):
        "Anonymise the parties and log it; all or nothing (one transaction)."
        pool = Pool()
        Erasure = pool.get('connexion.gdpr.erasure')
        today = dt.date.today()
        logs = []
        with without_check_access():
            for party in cls.browse(parties):
                if party.gdpr_erased:
                    continue
                done, kept = party._gdpr_erase()
                logs.append({
                        'party': party.id,
                        'origin': origin,
                        'reason': reason,
                        'done': '\n'.join(done),
                        'kept': '\n'.join(kept),
                        'user': Transaction().user or None,
                        })
                cls.write([party], {'gdpr_erased': today})
            return Erasure.create(logs)

    def _gdpr_emails(self):
        return {m.value.lower() for m in self.contact_mechanisms
            if m.type == 'email' and m.value}

    def _gdpr_erase(self):
        """Erase this party's personal data and return (done, kept) lines.

        Modules that store more personal data extend it (super first)."""
        pool = Pool()
        Address = pool.get('party.address')
        Mechanism = pool.get('party.contact_mechanism')
        Identifier = pool.get('party.identifier')
        Attachment = pool.get('ir.attachment')
        Note = pool.get('ir.note')
        Channel = pool.get('ir.chat.channel')
        ChatMessage = pool.get('ir.chat.message')
        MarketingEmail = pool.get('marketing.email')
        WebUser = pool.get('web.user')
        Suppression = pool.get('connexion.gdpr.suppression')
        Recipient = pool.get('connexion.gdpr.campaign.recipient')
        Party = self.__class__
        done, kept = [], []
        emails = self._gdpr_emails()
        resource = str(self)

        values = _blank_values(Party, exclude={'name'})
        values['name'] = gettext(
            'connexion_gdpr.msg_anonymised_name', id=self.id)
        values['categories'] = [('remove', [c.id for c in self.categories])]
        Party.write([self], values)

        if self.addresses:
            Address.write(list(self.addresses), dict(
                    _blank_values(Address), country=None, subdivision=None))
            done.append(gettext('connexion_gdpr.msg_done_addresses',
                    count=len(self.addresses)))
        if self.contact_mechanisms:
            done.append(gettext('connexion_gdpr.msg_done_contacts',
                    count=len(self.contact_mechanisms)))
            Mechanism.delete(list(self.contact_mechanisms))
        if self.identifiers:
            Identifier.delete(list(self.identifiers))

        # Records pointing to the party (except the kept ones) lose their
        # free texts, attachments and notes.
        resources = [resource]
        for Model, field_name in self._gdpr_related_models():
            if Model.__name__.startswith(kept_models()):
                count = Model.search([(field_name, '=', self.id)], count=True)
                if count:
                    kept.append(gettext('connexion_gdpr.msg_kept_records',
                            model=Model.__doc__ or Model.__name__,
                            count=count))
                continue
            records = Model.search([(field_name, '=', self.id)])
            if not records:
                continue
            resources.extend(str(r) for r in records)
            values = _blank_values(Model)
            if values:
                Model.write(records, values)

        attachments = Attachment.search([('resource', 'in', resources)])
        if attachments:
            done.append(gettext('connexion_gdpr.msg_done_attachments',
                    count=len(attachments)))
            Attachment.delete(attachments)
        Note.delete(Note.search([('resource', 'in', resources)]))

        channels = Channel.search([('resource', 'in', resources)])
        messages = ChatMessage.search(['OR',
                ('channel', 'in', [c.id for c in channels]),
                ('email', 'in', list(emails)),
                ])
        if messages:
            ChatMessage.write(messages, {
                    'content': gettext('connexion_gdpr.msg_erased_content'),
                    'email': None,
                    })
            done.append(gettext('connexion_gdpr.msg_done_chat',
                    count=len(messages)))

        if emails:
            MarketingEmail.delete(MarketingEmail.search(
                    [('email', 'in', list(emails))]))
            Suppression.delete(Suppression.search(
                    [('email', 'in', list(emails))]))
        Recipient.delete(Recipient.search([('party', '=', self.id)]))
        web_users = WebUser.search([('party', '=', self.id)])
        if web_users:
            WebUser.delete(web_users)
        return done, kept

    @classmethod
    def _gdpr_related_models(cls):
        "(Model, field) of every stored Many2One to party.party."
        pool = Pool()
        result = []
        for name, Model in pool.iterobject():
            if (not issubclass(Model, ModelSQL) or Model._is_table_query()
                    or name in {'party.party', 'party.address',
                        'party.contact_mechanism', 'party.identifier'}
                    or name.startswith(('ir.', 'res.'))):
                continue
            for field_name, field in Model._fields.items():
                if (field._type == 'many2one'
                        and field.model_name == 'party.party'
                        and not isinstance(field, fields.Function)):
                    result.append((Model, field_name))
        return result


class Erasure(ModelSQL, ModelView):
    "Erasure Log"
    __name__ = 'connexion.gdpr.erasure'

    party = fields.Many2One(
        'party.party', "Party", required=True, readonly=True,
        ondelete='RESTRICT')
    date = fields.Timestamp("Date", readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    origin = fields.Selection(ORIGINS, "Origin", required=True, readonly=True)
    reason = fields.Text("Reason", readonly=True)
    done = fields.Text("Erased", readonly=True)
    kept = fields.Text(
        "Kept", readonly=True,
        help="Records the law requires to keep (accounting, tax receipts).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('date', 'DESC'))

    @classmethod
    def default_date(cls):
        return dt.datetime.now()


class EraseStart(ModelView):
    "Erase Personal Data"
    __name__ = 'connexion.gdpr.erase.start'

    party = fields.Many2One('party.party', "Party", readonly=True)
    reason = fields.Text(
        "Reason", required=True,
        help="E.g. the date and channel of the person's request.")
    confirm = fields.Boolean(
        "I understand that the erasure cannot be undone")


class Erase(Wizard):
    "Anonymise a person on request; needs the separate 'forget' permission."
    __name__ = 'connexion.gdpr.erase'

    start = StateView('connexion.gdpr.erase.start',
        'connexion_gdpr.erase_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Erase", 'erase', 'tryton-delete', default=True),
            ])
    erase = StateTransition()

    def default_start(self, fields):
        return {'party': self.record.id if self.record else None}

    def transition_erase(self):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        user = User(Transaction().user)
        group = ModelData.get_id('connexion_gdpr', 'group_gdpr_forget')
        if group not in {g.id for g in user.groups}:
            raise AccessError(gettext('connexion_gdpr.msg_erase_forbidden'))
        if not self.start.confirm:
            raise AccessError(gettext('connexion_gdpr.msg_erase_confirm'))
        self.model.gdpr_erase([self.record], self.start.reason)
        return 'end'
