"""The yearly generation of the tax receipts: one per donor for annual
receipts, one per gift for the others, none when refused."""
import datetime as dt
import time
from collections import defaultdict

from sql import Null

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from connexion_asso.formatting import format_amount, format_duration


class GenerateStart(ModelView):
    __name__ = 'connexion.donation.receipt.generate.start'

    year = fields.Integer("Year of the Gifts", required=True)
    issue_date = fields.Date("Issue Date", required=True)

    @staticmethod
    def default_year():
        return Pool().get('ir.date').today().year - 1

    @staticmethod
    def default_issue_date():
        return Pool().get('ir.date').today()


class GenerateDone(ModelView):
    __name__ = 'connexion.donation.receipt.generate.done'

    summary = fields.Text("Summary", readonly=True)
    # Kept in the session for the button that opens them (not in the view).
    receipts = fields.Many2Many(
        'connexion.donation.receipt', None, None, "Receipts", readonly=True)


class Generate(Wizard):
    """Receipts for every gift of a year not yet receipted: one per donor for
    annual receipts, one per gift for the others, none when refused. Ends
    by saying what it issued and how long it took."""
    __name__ = 'connexion.donation.receipt.generate'

    start = StateView('connexion.donation.receipt.generate.start',
        'connexion_tax_receipt.receipt_generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate', 'tryton-ok', default=True),
            ])
    generate = StateTransition()
    done = StateView('connexion.donation.receipt.generate.done',
        'connexion_tax_receipt.receipt_generate_done_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Open the Receipts", 'open_', 'tryton-forward',
                default=True),
            ])
    open_ = StateAction('connexion_tax_receipt.act_receipt_form')

    @classmethod
    def groups(cls, year):
        """Groups of gifts (and membership fees without counterpart) to
        receipt for the year, by donor preference, read in SQL."""
        annual, per_gift = cls.keys(year)
        return ([cls._records(g) for g in annual],
            [cls._records(g) for g in per_gift])

    @staticmethod
    def _records(keys):
        pool = Pool()
        return [pool.get(m)(i) for m, i in keys]

    @classmethod
    def keys(cls, year):
        "groups as lists of (model name, id), for Receipt._issue."
        pool = Pool()
        Party = pool.get('party.party')
        Receipt = pool.get('connexion.donation.receipt')
        party = Party.__table__()
        cursor = Transaction().connection.cursor()
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        rows = []
        for model_name in Receipt._receipted_models():
            table = pool.get(model_name).__table__()
            where = ((table.state == 'validated')
                & (table.receipt == Null)
                & (table.date >= start) & (table.date <= end))
            from_ = table.join(party, condition=table.party == party.id)
            from_, where = cls._receiptable_filter(
                model_name, table, from_, where)
            cursor.execute(*from_.select(
                    table.party, table.company, table.currency, table.date,
                    table.id, party.receipt_preference, where=where))
            rows.extend((p, c, cur, d, model_name != 'connexion.donation',
                    i, model_name, pref) for p, c, cur, d, i, pref in cursor)
        rows.sort(key=lambda r: r[:6])
        annual, per_gift = defaultdict(list), []
        for party_id, company, currency, _, _, id_, model_name, preference \
                in rows:
            preference = preference or 'annual'
            if preference == 'none':
                continue
            if preference == 'gift':
                per_gift.append([(model_name, id_)])
            else:
                annual[(party_id, company, currency)].append(
                    (model_name, id_))
        return list(annual.values()), per_gift

    @classmethod
    def _receiptable_filter(cls, model_name, table, from_, where):
        """(from, where) of the records of model_name (table, joined to
        their party in from_) that give a receipt: extended by the modules
        whose records are not all receiptable (fees with counterpart)."""
        return from_, where

    def transition_generate(self):
        Receipt = Pool().get('connexion.donation.receipt')
        started = time.monotonic()
        annual, per_gift = self.keys(self.start.year)
        annual_receipts = Receipt._issue(
            annual, kind='annual', date=self.start.issue_date)
        gift_receipts = Receipt._issue(
            per_gift, kind='gift', date=self.start.issue_date)
        receipts = annual_receipts + gift_receipts
        self.done.receipts = receipts
        self.done.summary = gettext(
            'connexion_tax_receipt.msg_receipt_generate_done',
            year=self.start.year,
            receipts=len(receipts), annual=len(annual_receipts),
            gift=len(gift_receipts),
            gifts=sum(len(g) for g in annual + per_gift),
            amount=format_amount(sum(r.amount for r in receipts)),
            duration=format_duration(time.monotonic() - started))
        return 'done'

    def default_done(self, fields):
        return {
            'summary': self.done.summary,
            'receipts': [r.id for r in self.done.receipts],
            }

    def do_open_(self, action):
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', 'in', [r.id for r in self.done.receipts])])
        return action, {}
