"""Public pages reached from the campaign e-mails: tracking, one-click
unsubscribe and the consent preference page (signed link, no login).

The two pages are Genshi templates of templates/ rendered in the portal's
layout (``portal.Page``), escaped by default, in the person's language and
translated through fr.po (their ir.action.report records are in
portal.xml). What they record for the staff (the consents' proofs) is
written in French, as the rest of the back office."""
import hmac
import re

from werkzeug import routing
from werkzeug.exceptions import NotFound

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    Response, redirect, with_pool, with_transaction)
from trytond.tools import file_open
from trytond.transaction import Transaction
from trytond.wsgi import Base64Converter, app

from connexion_asso.mail import mail_language
from connexion_portal import portal
from connexion_portal.portal_forms import record_id


class DatabaseConverter(Base64Converter):
    """trytond's base64 database name of the e-mailed addresses, where a
    name that does not decode (bad padding, no UTF-8) is no address of ours:
    404, not the server error trytond's converter gives.

    werkzeug's routing.ValidationError is no error shown to anyone (nor
    Tryton's ValidationError): it is how a converter tells werkzeug that the
    rule does not match, so the URL ends as any unknown one, in a 404."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError:  # binascii.Error, UnicodeDecodeError
            raise routing.ValidationError()


app.url_map.converters['connexion_db'] = DatabaseConverter

# Recipient tokens and preference signatures are lowercase hex (32).
_TOKEN = re.compile(r'[0-9a-f]{32}')


def _recipient(pool, token):
    """The recipient of a link's token, or 404 (also on a database without
    connexion_marketing: these routes are registered for every database)."""
    if ('connexion_marketing' not in pool._modules
            or not _TOKEN.fullmatch(token)):
        raise NotFound()
    Recipient = pool.get('connexion.marketing.campaign.recipient')
    return Recipient.by_token(token)


def _page(request, pool, party, template, **values):
    """The page of template in the portal's layout (no menu, no session),
    in party's language."""
    page = portal.Page(request, pool)
    with Transaction().set_context(language=mail_language(party)):
        return page.render(template, nav=False, public=True, **values)


@app.route('/connexion_marketing/<connexion_db:database_name>/o/<token>.gif')
@with_pool
@with_transaction(readonly=False)
def track_open(request, pool, token):
    recipient = _recipient(pool, token)
    if recipient:
        recipient.track_open()
    fp = file_open('marketing_email/empty.gif', mode='rb')
    return Response(fp.read(), 200, content_type='image/gif')


@app.route(
    '/connexion_marketing/<connexion_db:database_name>/c/<token>/<int:index>')
@with_pool
@with_transaction(readonly=False)
def track_click(request, pool, token, index):
    recipient = _recipient(pool, token)
    url = recipient.track_click(index) if recipient else None
    if not url:
        raise NotFound()
    return redirect(url)


@app.route('/connexion_marketing/<connexion_db:database_name>/u/<token>',
    methods=['GET', 'POST'])
@with_pool
@with_transaction(readonly=False)
def unsubscribe(request, pool, token):
    "GET asks for confirmation; POST (one click, RFC 8058) unsubscribes."
    recipient = _recipient(pool, token)
    if not recipient:
        raise NotFound()
    if request.method == 'POST':
        with Transaction().set_context(language='fr'):
            recipient.unsubscribe()
    return _page(request, pool, recipient.party,
        'connexion_marketing/templates/unsubscribe.html',
        done=request.method == 'POST', subject=recipient.campaign.subject,
        email=recipient.email)


@app.route('/connexion_marketing/<connexion_db:database_name>/preferences/'
    '<int:party_id>/<signature>', methods=['GET', 'POST'])
@with_pool
@with_transaction(readonly=False)
def preferences(request, pool, party_id, signature):
    "The person chooses the mailing lists they receive, without login."
    from .campaign import party_signature
    Party = pool.get('party.party')
    if ('connexion_marketing' not in pool._modules
            or not record_id(party_id) or not _TOKEN.fullmatch(signature)
            or not hmac.compare_digest(party_signature(party_id), signature)):
        raise NotFound()
    party = Party(party_id)
    if party.gdpr_erased:
        raise NotFound()
    if request.method == 'POST':
        with Transaction().set_context(language='fr'):
            proof = gettext('connexion_marketing.msg_preferences_proof',
                address=request.remote_addr or '?')
        party.set_subscriptions({record_id(k[5:]) for k in request.form
                if k.startswith('list-')} - {None})
        party.set_consent_preferences(
            {record_id(k[8:]) for k in request.form
                if k.startswith('purpose-')} - {None}, proof)
    with Transaction().set_context(language=mail_language(party)):
        # The purposes' names in the person's language.
        party = Party(party_id)
        purposes = party.consent_preferences()
        lists = party.subscriptions()
    return _page(request, pool, party,
        'connexion_marketing/templates/preferences.html',
        saved=request.method == 'POST', purposes=purposes, lists=lists)
