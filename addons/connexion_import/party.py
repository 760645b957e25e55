"""Import of contacts (party.party) and volunteers (connexion.volunteer).

A contact row creates a party with its e-mail, phones, address and IBAN,
unless the party is already in Connexion (same e-mail, or same name and
postal code: the row is linked to it) or probably is (a similar name at
the same postal code, or the same person twice in the file: the row is
rejected to be looked at). A volunteer row does the same, then creates the
volunteer record of the party with its status.
"""
import re

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from connexion_asso.duplicate import PartyIndex
from connexion_asso.workflow import workflow_values_allowed

from . import cleaning
from .bulk import create as bulk_create
from .cleaning import name_key
from .importer import Importer
from .internals import draw_codes

# A phone number as clean_phone gives it.
E164 = re.compile(r'^\+[1-9]\d{6,14}$')
PARTY_TARGETS = ['key', 'name', 'first_name', 'last_name', 'email', 'phone',
    'mobile', 'street', 'postal_code', 'city', 'country', 'iban', 'bic']
PARTY_MODELS = ['party.party', 'party.contact_mechanism', 'party.address']


class PartyImporter(Importer):
    "Contacts and donors."
    entity = 'party'
    targets = [(t, False) for t in PARTY_TARGETS]
    required = [('name', 'last_name')]
    cleaners = dict(Importer.cleaners, **{
            'name': cleaning.clean_name,
            'first_name': cleaning.clean_name,
            'last_name': cleaning.clean_name,
            'phone': cleaning.clean_phone,
            'mobile': cleaning.clean_phone,
            'street': cleaning.clean_char,
            'postal_code': cleaning.clean_postal_code,
            'city': cleaning.clean_char,
            'country': cleaning.clean_country,
            'iban': cleaning.clean_iban,
            'bic': cleaning.clean_bic,
            })
    sql_hooks = {
        'party.party': {
            # code from the sequence (drawn for the batch), no default
            # address: save_bulk does both.
            'trytond.modules.party.party.Party.preprocess_values',
            # code_alnum, code_digit: the model's method is called.
            'trytond.modules.party.party.Party.compute_fields',
            },
        'party.contact_mechanism': {
            # value and value_compact as format_value(_compact) give them.
            ('trytond.modules.party.contact_mechanism.ContactMechanism'
                '.compute_fields'),
            # phone numbers and e-mails re-checked in save_bulk.
            ('trytond.modules.party.contact_mechanism.ContactMechanism'
                '.validate_fields'),
            # only about writes (moving a mechanism to another party).
            ('trytond.modules.party.contact_mechanism.ContactMechanism'
                '.check_modification'),
            },
        'party.address': {
            # only about writes (moving an address to another party).
            'trytond.modules.party.address.Address.check_modification',
            },
        }

    def check_row(self, plan, row):
        values = row.values
        if plan.table:
            if not values.get('name'):
                name = ' '.join(filter(None, [
                            values.get('first_name'),
                            values.get('last_name')]))
                values['name'] = name or None
            if not values.get('name'):
                row.reject(plan.column_name('name')
                    or plan.column_name('last_name'),
                    gettext('connexion_import.msg_required_name'))

    def match(self, plan):
        "Rows of parties already in the database or twice in the file."
        index = PartyIndex.load()
        in_file = {}
        for row in plan.rows:
            if row.status is not None:
                continue
            values = row.values
            email = values.get('email')
            by_name = (name_key(values['name']), values.get('postal_code'))
            party = index.by_email.get(email) if email else None
            reason = 'msg_match_email'
            if not party and by_name[1]:
                party = index.by_name.get(by_name)
                reason = 'msg_match_name'
            if party:
                row.status = 'match'
                row.match = party
                row.note = gettext('connexion_import.' + reason,
                    party=index.names.get(party, party))
                continue
            for file_key in filter(None, [
                        ('email', email) if email else None,
                        ('name', by_name) if by_name[1] else None]):
                if file_key in in_file:
                    row.reject(plan.column_name(
                            'email' if file_key[0] == 'email' else 'name'),
                        gettext('connexion_import.msg_duplicate_in_file',
                            line=in_file[file_key]))
                    break
            else:
                similar = index.similar(*by_name)
                if similar:
                    row.reject(plan.column_name('name')
                        or plan.column_name('last_name'),
                        gettext('connexion_import.msg_probable_duplicate',
                            party=index.names.get(similar, similar)))
                    continue
                if email:
                    in_file[('email', email)] = row.line
                if by_name[1]:
                    in_file[('name', by_name)] = row.line

    def save(self, rows):
        """The whole batch in one create per model.

        Still the ORM (access rights, record rules, defaults, constraints
        and validation apply), but the party codes are drawn from the
        sequence in one query and the contact mechanisms and addresses of
        all the parties are created together instead of party by party
        through the One2Many fields."""
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        sequence = Party._code_sequence()
        codes = (list(sequence.get_many(len(rows))) if sequence
            else [None] * len(rows))
        parties = Party.create([{'name': r.values['name'], 'code': code}
                for r, code in zip(rows, codes)])
        mechanisms, addresses = [], []
        countries = self.countries()
        for row, party in zip(rows, parties):
            row.match = party.id
            row_mechanisms, address = self.party_children(row, countries)
            mechanisms.extend(
                dict(m, party=party.id) for m in row_mechanisms)
            addresses.append(dict(address, party=party.id))
        if mechanisms:
            Mechanism.create(mechanisms)
        Address.create(addresses)
        self.save_bank_accounts(rows)

    def save_bulk(self, rows):
        """Bulk path: parties, contact mechanisms and addresses written with
        SQL by bulk.create (access, record rules, defaults, required and
        selection values, schema constraints: see bulk.py), with the
        models' own create hooks done for the whole batch:

        - party.party: codes drawn from the party sequence in one call
          (``get_many``), as ``preprocess_values`` draws one per party, and
          no default empty address; ``code_alnum``/``code_digit`` from the
          model's ``compute_fields``; the uniqueness of codes is the
          table's UNIQUE constraint;
        - party.contact_mechanism: ``value`` and ``value_compact`` as
          ``format_value``/``format_value_compact`` store them (phones in
          international and E.164 forms, e-mails normalised); the rules of
          ``validate_fields`` checked again: phones are valid numbers
          (``clean_phone`` runs the same phonenumbers test as
          ``check_valid_phonenumber``, and the E.164 form is checked
          here), e-mails pass ``validate_email``;
        - party.address: the street goes to ``street_unstructured``, as
          the ``street`` setter does.

        A module adding another create hook to these models sends them
        back to the ORM (save)."""
        if not self.sql_allowed(*PARTY_MODELS):
            self.save(rows)
            return
        pool = Pool()
        Party = pool.get('party.party')
        Mechanism = pool.get('party.contact_mechanism')
        Address = pool.get('party.address')
        rows = [r for r in rows if r.status == 'create']
        if not rows:
            return
        codes = draw_codes(Party._code_sequence(), len(rows))
        parties = []
        party = Party()  # one record to run the model's compute_fields
        for row, code in zip(rows, codes):
            values = {'name': row.values['name'], 'code': code}
            party.code = code
            values.update(party.compute_fields({'code'}))
            parties.append(values)
        party_ids = bulk_create(Party, parties)
        mechanisms, addresses = [], []
        countries = self.countries()
        for row, party in zip(rows, party_ids):
            row.match = party
            row_mechanisms, address = self.party_children(row, countries)
            for mechanism in row_mechanisms:
                mechanisms.append(dict(party=party,
                        **self.mechanism_values(mechanism)))
            if 'street' in address:
                address['street_unstructured'] = address.pop('street')
            addresses.append(dict(address, party=party))
        bulk_create(Mechanism, mechanisms)
        bulk_create(Address, addresses)
        self.save_bank_accounts(rows)

    @staticmethod
    def mechanism_values(mechanism):
        """Stored values of a cleaned e-mail or phone, as the contact
        mechanism's formatting and validation rules make them."""
        from trytond.tools.email_ import (
            EmailNotValidError, normalize_email, validate_email)
        type_, value = mechanism['type'], mechanism['value']
        if type_ == 'email':
            try:
                validate_email(value)
            except EmailNotValidError as error:
                raise UserError(gettext('party.msg_email_invalid',
                        email=value, party=''), str(error)) from error
            value = normalize_email(value)
            return {'type': type_, 'value': value, 'value_compact': value}
        if not E164.match(value):
            raise UserError(gettext('party.msg_invalid_phone_number',
                    phone=value, party=''))
        return {'type': type_, 'value': cleaning.phone_international(value),
            'value_compact': value}

    def save_parties_nested(self, rows):
        "Plain ORM path: each party created with its One2Many values."
        Party = Pool().get('party.party')
        rows = [r for r in rows if r.status == 'create']
        countries = self.countries()
        vlist = []
        for row in rows:
            mechanisms, address = self.party_children(row, countries)
            vlist.append({
                    'name': row.values['name'],
                    'contact_mechanisms': [('create', mechanisms)],
                    'addresses': [('create', [address])],
                    })
        parties = Party.create(vlist)
        for row, party in zip(rows, parties):
            row.match = party.id
        self.save_bank_accounts(rows)

    def save_bank_accounts(self, rows):
        "IBAN of donors (SEPA direct debit), when banks are managed."
        pool = Pool()
        try:
            Account = pool.get('bank.account')
            Bank = pool.get('bank')
        except KeyError:
            return
        vlist = []
        banks = {}
        for row in rows:
            iban = row.values.get('iban')
            if not iban:
                continue
            bic = row.values.get('bic')
            if bic and bic not in banks:
                banks[bic] = Bank.from_bic(bic)
            vlist.append({
                    'bank': banks[bic].id if bic and banks[bic] else None,
                    'numbers': [('create', [
                                {'type': 'iban', 'number': iban}])],
                    'owners': [('add', [row.match])],
                    })
        if vlist:
            Account.create(vlist)

    def save_record(self, rows):
        """The plain ORM path: a search for the duplicates of each row, then
        each party created with its One2Many values."""
        ContactMechanism = Pool().get('party.contact_mechanism')
        for row in rows:
            email = row.values.get('email')
            if row.status == 'create' and email:
                found = ContactMechanism.search([
                        ('type', '=', 'email'), ('value', '=', email)],
                    limit=1)
                if found:
                    row.status = 'match'
                    row.match = found[0].party.id
        self.save_parties_nested(rows)

    @staticmethod
    def countries():
        "{ISO code: id}, read once per batch."
        Country = Pool().get('country.country')
        return {c.code: c.id for c in Country.search([])}

    def party_children(self, row, countries):
        "Contact mechanisms and address values of a row."
        values = row.values
        mechanisms = [{'type': t, 'value': values[t]}
            for t in ['email', 'phone', 'mobile'] if values.get(t)]
        address = {k: values[k] for k in ['street', 'postal_code', 'city']
            if values.get(k)}
        country = countries.get(values.get('country') or 'FR')
        if country:
            address['country'] = country
        return mechanisms, address



class VolunteerImporter(PartyImporter):
    "Volunteers: their party as a contact row, then the volunteer record."
    entity = 'volunteer'
    targets = PartyImporter.targets + [
        ('status', False), ('criminal_record_date', False)]
    cleaners = dict(PartyImporter.cleaners,
        status=cleaning.clean_char,
        criminal_record_date=cleaning.clean_date)

    def check_row(self, plan, row):
        super().check_row(plan, row)
        self.reject_unknown(plan, row, 'connexion.volunteer', 'status')

    def save(self, rows):
        super().save(rows)
        self.save_volunteers(rows)

    def save_bulk(self, rows):
        super().save_bulk(rows)
        self.save_volunteers(rows)

    def save_record(self, rows):
        super().save_record(rows)
        self.save_volunteers(rows)

    def save_volunteers(self, rows):
        Volunteer = Pool().get('connexion.volunteer')
        parties = [r.match for r in rows]
        existing = {v.party.id: v.id for v in Volunteer.search(
                [('party', 'in', parties)])}
        todo = [r for r in rows if r.match not in existing]
        # The status is the association's history, not a client's shortcut
        # through the workflow.
        with workflow_values_allowed():
            volunteers = Volunteer.create([{
                        'party': r.match,
                        'status': r.values.get('status') or 'candidate',
                        'criminal_record_date': r.values.get(
                            'criminal_record_date'),
                        } for r in todo])
        # The key of a volunteer row points to the volunteer record.
        for row in rows:
            if row.match in existing:
                row.match = existing[row.match]
        for row, volunteer in zip(todo, volunteers):
            row.match = volunteer.id


class Run(metaclass=PoolMeta):
    __name__ = 'connexion.import.run'

    @classmethod
    def _importers(cls):
        return super()._importers() + [PartyImporter]


class VolunteerRun(metaclass=PoolMeta):
    "Volunteers are imported when connexion_volunteer is activated."
    __name__ = 'connexion.import.run'

    @classmethod
    def _importers(cls):
        return super()._importers() + [VolunteerImporter]
