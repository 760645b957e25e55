"""The FEC (fichier des écritures comptables, art. A47 A-1 LPF) of
account_fr, made right for the association.

- Its name is ``<SIREN>FEC<AAAAMMJJ>``: account_fr reads the SIREN from the
  company party's identifiers, while the association keeps it on its own
  record; saving the association gives it to the company party.
- Its opening lines are the balances of the earlier years: they are only
  right when those years are closed (classes 6, 7 and 8 brought to zero),
  so the file is refused otherwise.
- The text allows ASCII, ISO 8859-15 or EBCDIC: ISO 8859-15 is offered,
  and is the default.
"""
import unicodedata

from stdnum.fr import siren as stdnum_siren

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import FECRefusedError

ENCODINGS = [
    ('iso-8859-15', "ISO 8859-15 (Latin-9)"),
    ('utf-8', "UTF-8"),
    ]
# Typographic characters outside ISO 8859-15 and their plain equivalent.
LATIN9_SUBSTITUTES = {
    '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u2032': "'",
    '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u2033': '"',
    '\u2013': '-', '\u2014': '-', '\u2010': '-', '\u2011': '-',
    '\u2212': '-', '\u2026': '...', '\u202f': ' ', '\u2009': ' ',
    '\u2007': ' ', '\u2022': '-',
    }


def association_companies():
    """The companies that are the association: the context's company, or
    the only company of the database."""
    pool = Pool()
    Company = pool.get('company.company')
    company_id = Transaction().context.get('company')
    if company_id is not None and company_id >= 0:
        return [Company(company_id)]
    with without_check_access():
        companies = Company.search([], limit=2)
    return companies if len(companies) == 1 else []


def set_company_siren(company, siren):
    """Give the company party the SIREN identifier (created, or corrected
    when it differs); an empty SIREN leaves the party as it is."""
    pool = Pool()
    Identifier = pool.get('party.identifier')
    if not siren:
        return
    siren = stdnum_siren.compact(siren)
    with without_check_access():
        party = company.party
        existing = [i for i in party.identifiers if i.type == 'fr_siren']
        if not existing:
            Identifier.create([{
                        'party': party.id, 'type': 'fr_siren',
                        'code': siren}])
        elif stdnum_siren.compact(existing[0].code) != siren:
            Identifier.write([existing[0]], {'code': siren})


def to_latin9(text):
    """The FEC text in ISO 8859-15: typographic quotes and dashes become
    plain ones, accented letters outside the set lose their accent; any
    other character refuses the file (naming it) rather than be lost."""
    def encodable(value):
        try:
            value.encode('iso-8859-15')
        except UnicodeEncodeError:
            return False
        return True

    if encodable(text):
        return text.encode('iso-8859-15')
    result = []
    for line_number, line in enumerate(text.splitlines(True), 1):
        for char in line:
            if encodable(char):
                result.append(char)
            elif char in LATIN9_SUBSTITUTES:
                result.append(LATIN9_SUBSTITUTES[char])
            else:
                plain = ''.join(
                    c for c in unicodedata.normalize('NFKD', char)
                    if not unicodedata.combining(c))
                if not plain or not encodable(plain):
                    raise FECRefusedError(gettext(
                            'connexion_account_asso.msg_fec_character',
                            character=char, code='U+%04X' % ord(char),
                            line=line_number))
                result.append(plain)
    return ''.join(result).encode('iso-8859-15')


class Association(metaclass=PoolMeta):
    __name__ = 'connexion.association'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        "The company party carries the association's SIREN (for the FEC)."
        super().on_modification(mode, records, field_names=field_names)
        if mode in {'create', 'write'} and (
                field_names is None or 'siren' in field_names):
            for record in records:
                if record.siren:
                    for company in association_companies():
                        set_company_siren(company, record.siren)


class FrFECStart(metaclass=PoolMeta):
    __name__ = 'account.fr.fec.start'

    encoding = fields.Selection(ENCODINGS, "Encoding", required=True,
        help="Character set of the file: the text (art. A47 A-1 of the "
        "Livre des procédures fiscales) allows ASCII, ISO 8859-15 or "
        "EBCDIC.")

    @classmethod
    def default_encoding(cls):
        return 'iso-8859-15'


class FrFEC(metaclass=PoolMeta):
    __name__ = 'account.fr.fec'

    def transition_generate(self):
        self.check_fec()
        state = super().transition_generate()
        encoding = getattr(self.start, 'encoding', None) or 'iso-8859-15'
        if encoding != 'utf-8' and self.result.file:
            self.result.file = to_latin9(bytes(self.result.file).decode(
                    'utf-8'))
        return state

    def check_fec(self):
        """Refuse a FEC whose opening lines or name would be wrong: an
        earlier fiscal year still open, no SIREN on the company party."""
        pool = Pool()
        FiscalYear = pool.get('account.fiscalyear')
        fiscalyear = self.start.fiscalyear
        company = fiscalyear.company
        open_years = FiscalYear.search([
                ('company', '=', company.id),
                ('end_date', '<', fiscalyear.start_date),
                ('state', '=', 'open'),
                ], order=[('start_date', 'ASC')])
        if open_years:
            raise FECRefusedError(gettext(
                    'connexion_account_asso.msg_fec_previous_open',
                    fiscalyear=fiscalyear.rec_name,
                    previous=', '.join(y.rec_name for y in open_years)))
        if not company.party.siren:
            raise FECRefusedError(gettext(
                    'connexion_account_asso.msg_fec_no_siren',
                    company=company.rec_name))

    def default_result(self, fields):
        "account_fr prints the identifier record, not its code."
        values = super().default_result(fields)
        fiscalyear = self.start.fiscalyear
        siren = fiscalyear.company.party.siren
        if values.get('filename') and siren:
            values['filename'] = '%sFEC%s.csv' % (
                stdnum_siren.compact(siren.code),
                fiscalyear.end_date.strftime('%Y%m%d'))
        return values
