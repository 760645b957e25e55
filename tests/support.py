"""The server, browser and login helpers of the cross-module tests: they live
in connexion_asso/tests/server.py, where every module's tests reach them;
here the JSON-RPC session of the tests that call a server as sao does, and
the browser console messages that tell of a failure."""
import base64
import json
import urllib.request

from connexion_asso.tests.server import (  # noqa: F401
    BIN, ROOT, Server, backend, chrome, connexion_modules,
    free_port, sao_login)

DEMO_PASSWORD = 'connexion-demo'


class RPCError(Exception):
    pass


class Session:
    "A JSON-RPC session of one user, as sao or a script would open it."

    def __init__(self, server, login, password=DEMO_PASSWORD):
        self.server = server
        self.login = login
        self.user_id, self.token = self._post(
            'common.db.login', login, {'password': password}, 'fr')[:2]

    def _post(self, method, *params, headers=None):
        body = json.dumps({'id': 1, 'method': method, 'params': params})
        request = urllib.request.Request(
            f'{self.server.url}/{self.server.database}/rpc/',
            data=body.encode(),
            headers={'Content-Type': 'application/json', **(headers or {})})
        with urllib.request.urlopen(request, timeout=120) as response:
            data = json.loads(response.read())
        if 'error' in data:
            raise RPCError(data['error'])
        return data['result']

    def __call__(self, method, *params):
        token = base64.b64encode(
            f'{self.login}:{self.user_id}:{self.token}'.encode()).decode()
        return self._post(method, *params, {'language': 'fr'},
            headers={'Authorization': f'Session {token}'})


def console_errors(entries):
    """The console messages that tell of a failure: errors, and the
    programming errors jQuery's deferreds turn into warnings (sao builds its
    views in them: 'ColumnFactory is not a constructor' was one)."""
    return [e['message'] for e in entries
        if e['level'] == 'SEVERE'
        or 'jQuery.Deferred exception' in e['message']]
