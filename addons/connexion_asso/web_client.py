"""Corrections to sao served by the server: sao's index.html loads
``custom.js`` and ``custom.css`` from the web root after its own, and asks
``locale/<browser language>.json`` before the user's; the root holds the sao
that npm installed, so these come from routes (static files are served
first, then the routes), the same in scripts/serve, Docker and the tests.
Without them each page load logged failed requests in the browser's
console."""
import json
import os
import re

from trytond.config import config
from trytond.protocols.wrappers import Response
from trytond.tools import file_open
from trytond.wsgi import app


def _static(name, content_type):
    with file_open(f'connexion_asso/static/{name}', mode='rb') as fp:
        content = fp.read()
    return Response(content, 200, content_type=content_type,
        headers={'Cache-Control': 'no-cache'})


@app.route('/custom.js', methods=['GET'])
def custom_js(request):
    return _static('custom.js', 'text/javascript; charset=utf-8')


@app.route('/custom.css', methods=['GET'])
def custom_css(request):
    return _static('custom.css', 'text/css; charset=utf-8')


@app.route('/locale/<string:lang>.json', methods=['GET'])
def locale(request, lang):
    """A browser language sao has no file for: the file of its base language
    (fr_BE → fr), else no translation (sao's own English), instead of an
    error in the console for each page load."""
    root = config.get('web', 'root')
    if re.fullmatch(r'[A-Za-z]{2,3}', lang.split('_')[0] or ''):
        base = lang.split('_')[0]
        path = os.path.join(root or '', 'locale', f'{base}.json')
        if root and base != lang and os.path.isfile(path):
            with open(path, encoding='utf-8') as fp:
                data = json.load(fp)
            # Under the language sao asked for: it looks its texts up there.
            data.setdefault('', {})['language'] = lang
            return Response(json.dumps(data), 200,
                content_type='application/json')
    return Response(json.dumps({'': {'language': lang}}), 200,
        content_type='application/json')
