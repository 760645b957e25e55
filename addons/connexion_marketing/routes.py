"""Public pages reached from the campaign e-mails: tracking, one-click
unsubscribe and the consent preference page (signed link, no login)."""
import hmac
import re
from html import escape

from werkzeug.exceptions import NotFound
from werkzeug.routing import ValidationError

from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    Response, redirect, with_pool, with_transaction)
from trytond.tools import file_open
from trytond.transaction import Transaction
from trytond.wsgi import Base64Converter, app

from connexion_portal.portal_forms import record_id



class DatabaseConverter(Base64Converter):
    """trytond's base64 database name of the e-mailed addresses, where a
    name that does not decode (bad padding, no UTF-8) is no address of ours:
    404, not the server error trytond's converter gives."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError:  # binascii.Error, UnicodeDecodeError
            raise ValidationError()


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


def _page(title, body):
    return Response(
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f'<title>{title}</title></head><body><h1>{title}</h1>{body}'
        '</body></html>', 200, content_type='text/html; charset=utf-8')


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
    with Transaction().set_context(language='fr'):
        title = gettext('connexion_marketing.msg_unsubscribe_title')
        if request.method == 'POST':
            recipient.unsubscribe()
            return _page(title, '<p>%s</p>' % gettext(
                    'connexion_marketing.msg_unsubscribe_done'))
        return _page(title,
            '<form method="post"><p>%s</p><button type="submit">%s</button>'
            '</form>' % (
                gettext('connexion_marketing.msg_unsubscribe_question',
                    purpose=recipient.campaign.purpose),
                gettext('connexion_marketing.msg_unsubscribe_button')))


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
    with Transaction().set_context(language='fr'):
        title = gettext('connexion_marketing.msg_preferences_title')
        if request.method == 'POST':
            party.set_subscriptions({record_id(k[5:]) for k in request.form
                    if k.startswith('list-')} - {None})
            party.set_consent_preferences(
                {record_id(k[8:]) for k in request.form
                    if k.startswith('purpose-')} - {None},
                gettext('connexion_marketing.msg_preferences_proof',
                    address=request.remote_addr or '?'))
        purposes = ''.join(
            f'<p><label><input type="checkbox" name="purpose-{purpose.id}"'
            f'{" checked" if given else ""}> {escape(purpose.name)}</label>'
            f'<br/><small>{escape(purpose.description or "")}</small></p>'
            for purpose, given in party.consent_preferences())
        rows = ''.join(
            f'<p><label><input type="checkbox" name="list-{list_.id}"'
            f'{" checked" if subscribed else ""}> {escape(list_.name)}'
            '</label></p>' for list_, subscribed in party.subscriptions())
        return _page(title,
            f'<form method="post"><h2>%s</h2>{purposes}<h2>%s</h2>{rows}'
            '<button type="submit">%s</button></form>' % (
                gettext('connexion_marketing.msg_preferences_consents'),
                gettext('connexion_marketing.msg_preferences_lists'),
                gettext('connexion_marketing.msg_preferences_save')))
