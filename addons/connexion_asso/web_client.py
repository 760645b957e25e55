"""Corrections to sao served by the server: sao's index.html loads
``custom.js`` from the web root after itself; the root holds the sao that
npm installed, so the file comes from this route (static files are served
first, then the routes), the same in scripts/serve, Docker and the tests."""
from trytond.protocols.wrappers import Response
from trytond.tools import file_open
from trytond.wsgi import app


@app.route('/custom.js', methods=['GET'])
def custom_js(request):
    with file_open('connexion_asso/static/custom.js', mode='rb') as fp:
        script = fp.read()
    return Response(script, 200,
        content_type='text/javascript; charset=utf-8',
        headers={'Cache-Control': 'no-cache'})
