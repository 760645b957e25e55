"""The server, browser and login helpers of the cross-module tests: they live
in connexion_asso/tests/server.py, where every module's tests reach them."""
from connexion_asso.tests.server import (  # noqa: F401
    BIN, ROOT, Server, backend, chrome, connexion_modules,
    free_port, sao_login)
