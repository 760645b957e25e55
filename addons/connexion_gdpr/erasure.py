"""Right to erasure (GDPR art. 17), built on Tryton's party.erase: every
module lists the personal data of its models (to_erase, in its party.py)
and what the law requires to keep (to_keep: accounting 10 years, tax
receipts 6 years, art. 17(3)(b)); what still runs (direct debits) is ended
first. This module adds the GDPR log, the person's chat messages and web
accounts."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import (
    Transaction, inactive_records, without_check_access)
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import EraseConfirmError, ErasedPartyError

ORIGINS = [
    ('request', "Request of the Person"),
    ('retention', "Retention Period Over"),
    ]

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


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def gdpr_erase(cls, parties, reason, origin='request'):
        """Anonymise the parties through Tryton's party.erase and log it;
        all or nothing (one transaction)."""
        pool = Pool()
        Erasure = pool.get('connexion.gdpr.erasure')
        Erase = pool.get('party.erase', type='wizard')
        logs = []
        user = Transaction().user or None
        with without_check_access():
            for party in cls.browse(parties):
                if party.gdpr_erased:
                    continue
                # party.erase is Tryton's wizard for party administrators;
                # the GDPR Erasure group runs it through this method only.
                with Transaction().set_user(0):
                    session_id, _, _ = Erase.create()
                erase = Erase(session_id)
                erase.ask.party = party
                done, kept = erase.gdpr_summary(party.id)
                if party.active:
                    # party.erase only erases deactivated parties.
                    cls.write([party], {'active': False})
                erase.transition_erase()
                Erase.delete(session_id)
                logs.append({
                        'party': party.id,
                        'origin': origin,
                        'reason': reason,
                        'done': '\n'.join(done),
                        'kept': '\n'.join(kept),
                        'user': user,
                        })
            return Erasure.create(logs)

    def _gdpr_emails(self):
        return {m.value.lower() for m in self.contact_mechanisms
            if m.type == 'email' and m.value}

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


class PartyReplace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('connexion.gdpr.erasure', 'party'),
            ('connexion.gdpr.retention.proposal', 'party'),
            ]


class PartyErase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def gdpr_summary(self, party_id):
        "(done, kept): lines of the erasure log, counted before erasing."
        done, kept = [], []
        with inactive_records():
            for Model, domain, _, columns, _ in self.to_erase(party_id):
                if not columns:
                    continue
                count = Model.search(domain, count=True)
                if count:
                    done.append(gettext('connexion_gdpr.msg_done_records',
                            model=Model.__names__()['model'],
                            count=count))
            for Model, domain, reason in self.to_keep(party_id):
                count = Model.search(domain, count=True)
                if count:
                    kept.append(gettext('connexion_gdpr.msg_kept_records',
                            model=Model.__names__()['model'],
                            count=count, reason=reason))
        return done, kept

    def end_relationships(self, party):
        """What column updates cannot reach, done while the party's e-mail
        addresses are still known: chat messages, web accounts."""
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        ChatMessage = pool.get('ir.chat.message')
        WebUser = pool.get('web.user')
        super().end_relationships(party)
        emails = party._gdpr_emails()
        channels = Channel.search([('resource', '=', str(party))])
        messages = ChatMessage.search(['OR',
                ('channel', 'in', [c.id for c in channels]),
                ('email', 'in', list(emails)),
                ])
        if messages:
            ChatMessage.write(messages, {
                    'content': gettext('connexion_gdpr.msg_erased_content'),
                    'email': None,
                    })
        WebUser.delete(WebUser.search([('party', '=', party.id)]))

    def to_erase(self, party_id):
        pool = Pool()
        Party = pool.get('party.party')
        Date = pool.get('ir.date')
        Erasure = pool.get('connexion.gdpr.erasure')
        Proposal = pool.get('connexion.gdpr.retention.proposal')
        to_erase = super().to_erase(party_id)
        # Tryton empties the name; the GDPR keeps a neutral one that says
        # the person was erased (lists, accounting) and when.
        values = _blank_values(Party, exclude={'name'})
        values.update({
                'name': gettext(
                    'connexion_gdpr.msg_anonymised_name', id=party_id),
                'gdpr_erased': Date.today(),
                'gdpr_last_contact': None,
                })
        to_erase.extend([
                (Party, [('id', '=', party_id)], False,
                    list(values), list(values.values())),
                # The log is the proof the request was met (art. 5-2).
                (Erasure, [('party', '=', party_id)], False, [], []),
                (Proposal, [('party', '=', party_id)], False, [], []),
                ])
        return to_erase


class Receipt(metaclass=PoolMeta):
    __name__ = 'connexion.donation.receipt'

    @classmethod
    def _donors(cls, party_ids):
        "No tax receipt is ever issued to an erased person."
        Party = Pool().get('party.party')
        with inactive_records():
            erased = Party.search([
                    ('id', 'in', list(party_ids)),
                    ('gdpr_erased', '!=', None),
                    ], limit=1)
        if erased:
            party, = erased
            raise ErasedPartyError(gettext(
                    'connexion_gdpr.msg_receipt_erased_party',
                    party=party.rec_name))
        return super()._donors(party_ids)


class Erasure(ModelSQL, ModelView):
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
            raise EraseConfirmError(
                gettext('connexion_gdpr.msg_erase_confirm'))
        self.model.gdpr_erase([self.record], self.start.reason)
        return 'end'
