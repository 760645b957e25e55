# Shared by the scripts: find the project, create .venv and install it.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${CONNEXION_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
VAR="${CONNEXION_VAR:-$ROOT/var}"
# The Connexion modules activated by the demo, scripts/serve and
# docker-compose.yml: one list, in config/modules (comments after #).
MODULES="$(sed 's/#.*//' "$ROOT/config/modules" | xargs)"
SAO_VERSION="${SAO_VERSION:-~8.0.11}"
SAO_DIR="$VAR/sao/node_modules/tryton-sao"
mkdir -p "$VAR"

# The background programs a script starts (cron, queue worker, mail
# catcher): each in its own process group, the whole group stopped when the
# script ends, however it ends (Ctrl+C included: trytond-cron's worker
# processes outlive their parent otherwise).
daemons=()
start_daemon() {
    setsid "$@" &
    daemons+=($!)
}
stop_daemons() {
    local pid
    for pid in "${daemons[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
}
trap stop_daemons EXIT

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# pip prints one warning per missing local index of this machine: keep the
# output readable.
quiet_pip() { "$VENV/bin/pip" "$@" 2>&1 | grep -v "^WARNING: Location" || true; }

ensure_venv() {
    local stamp="$VENV/.connexion-installed"
    if [ ! -x "$PY" ]; then
        say "Création de l'environnement Python ($VENV)"
        python3 -m venv "$VENV"
    fi
    # Reinstall when the dependencies changed.
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
        say "Installation de Connexion et de Tryton 8.0 (pip)"
        quiet_pip install -q --upgrade pip
        quiet_pip install -q -e "$ROOT[test]"
        "$PY" -c "import connexion_asso, trytond" || {
            echo "L'installation a échoué." >&2; exit 1; }
        # The editable build leaves its metadata next to the modules; the
        # installed metadata (entry points) lives in the venv.
        rm -rf "$ROOT/addons/connexion.egg-info"
        touch "$stamp"
    fi
}

ensure_sao() {
    if [ ! -f "$SAO_DIR/index.html" ]; then
        say "Installation du client web sao (npm tryton-sao@$SAO_VERSION)"
        command -v npm >/dev/null || {
            echo "npm est introuvable : installez Node.js (apt-get install npm)." >&2
            exit 1; }
        mkdir -p "$VAR/sao"
        (cd "$VAR/sao" && npm install --no-audit --no-fund --silent \
            "tryton-sao@$SAO_VERSION" >/dev/null 2>&1) || {
            echo "npm n'a pas pu installer tryton-sao." >&2; exit 1; }
    fi
    # sao's index.html loads its libraries from ./node_modules/.
    [ -e "$SAO_DIR/node_modules" ] || ln -s .. "$SAO_DIR/node_modules"
}

# Debian packages needed by the tests (browser, PDF text extraction).
ensure_debian_packages() {
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    command -v pdftotext >/dev/null || missing+=(poppler-utils)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installation des paquets Debian : ${missing[*]}"
        apt-get update -q >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
            >/dev/null 2>&1 || {
            echo "apt-get n'a pas pu installer ${missing[*]}." >&2; return 1; }
    else
        echo "Paquets manquants : ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
        return 1
    fi
}

pg_uri() {
    # The PostgreSQL server used by the tests, or nothing.
    if [ -n "${CONNEXION_PG_URI:-}" ]; then
        echo "$CONNEXION_PG_URI"
    elif "$PY" - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(s.connect_ex(('127.0.0.1', 5432)))
PY
    then
        echo "postgresql://postgres@127.0.0.1:5432/"
    fi
}

# Serve a database as production does (scripts/serve, scripts/demo): the
# cron, the queue worker when the configuration sends long jobs (receipts,
# campaigns) to the queue ([queue] worker = True: without a worker they
# would wait there forever; read as trytond reads it, TRYTOND_QUEUE__WORKER
# overridden by the file; trytond-worker on PostgreSQL,
# scripts/lib/queue_worker.py on SQLite), and trytond's WSGI application
# under gunicorn in the foreground.
serve_production() {
    local conf="$1" db="$2" queue_worker listen workers
    queue_worker=$("$PY" - "$conf" <<'PY'
import sys
from trytond import config
config.update_etc(sys.argv[1])
if not config.getboolean('queue', 'worker', default=False):
    print('none')
elif config.get('database', 'uri', default='').startswith('sqlite'):
    print('sqlite')
else:
    print('trytond')
PY
)
    start_daemon "$VENV/bin/trytond-cron" -c "$conf" -d "$db"
    case "$queue_worker" in
        trytond)
            say "File d'attente : trytond-worker"
            start_daemon "$VENV/bin/trytond-worker" -c "$conf" -d "$db" ;;
        sqlite)
            # trytond-worker needs PostgreSQL: the same tasks, run the same
            # way (connexion_asso/worker.py).
            say "File d'attente : scripts/lib/queue_worker.py (SQLite)"
            start_daemon "$PY" "$ROOT/scripts/lib/queue_worker.py" \
                -c "$conf" -d "$db" ;;
    esac
    listen=$(sed -n 's/^listen *= *//p' "$conf" | head -1)
    listen=${listen:-localhost:8000}
    say "Connexion sur http://localhost:${listen##*:}/ (Ctrl+C pour arrêter)"
    # trytond's own server is one process (werkzeug threads, one core at
    # most) and warns it is not for production: serve the same WSGI
    # application with gunicorn, settings in scripts/lib/gunicorn.conf.py
    # (CONNEXION_WORKERS processes of CONNEXION_THREADS threads; see
    # bench/portal_load). CONNEXION_WORKERS=0: trytond alone.
    workers=${CONNEXION_WORKERS:-$(nproc)}
    if [ "$workers" -gt 0 ]; then
        CONNEXION_WORKERS="$workers" TRYTOND_CONFIG="$conf" \
            TRYTOND_DATABASE_NAMES="$db" \
            "$VENV/bin/gunicorn" -c "$ROOT/scripts/lib/gunicorn.conf.py" \
            --bind "$listen" --no-control-socket trytond.application:app
    else
        "$VENV/bin/trytond" -c "$conf" -d "$db"
    fi
}
