"""gunicorn settings of scripts/serve, the Docker image and bench/portal_load
(one place).

CONNEXION_WORKERS processes (default: one per core) of CONNEXION_THREADS
threads (default 16; gthread). A portal request waits for PostgreSQL about
as long as it runs Python, so a process keeps its core busy with many
threads; bench/portal_load measured one process per core of 16 threads
ahead of 4 × 4 threads and of 6 sync (one request at a time) processes, on
2 cores. CONNEXION_SWITCH_INTERVAL: sys.setswitchinterval of the workers
(seconds; Python's default is 0.005) to try shorter GIL turns."""
import os
import sys

workers = int(os.environ.get('CONNEXION_WORKERS') or os.cpu_count())
threads = int(os.environ.get('CONNEXION_THREADS') or 16)
worker_class = os.environ.get('CONNEXION_WORKER_CLASS') or 'gthread'
# Whom gunicorn itself believes about X-Forwarded-Proto. The application
# takes the client's address and scheme from trytond's [web] num_proxies
# (set behind the reverse proxy: config/docker.conf, README), whatever this
# says.
forwarded_allow_ips = os.environ.get('CONNEXION_PROXY_IPS') or '127.0.0.1'


def post_fork(server, worker):
    interval = os.environ.get('CONNEXION_SWITCH_INTERVAL')
    if interval:
        sys.setswitchinterval(float(interval))
