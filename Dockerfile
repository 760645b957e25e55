# Connexion server image: trytond 8.0 + the Connexion modules + sao, served
# by gunicorn with scripts/serve's settings (docker-compose.yml runs the
# same image as cron and queue worker).
FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm postgresql-client \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/connexion
COPY pyproject.toml README.md ./
COPY addons addons
# Editable install: the addons/ folder mounted by docker-compose is what runs.
RUN pip install --no-cache-dir -e .
RUN mkdir -p /opt/sao && cd /opt/sao \
    && npm install --omit=dev --no-audit --no-fund tryton-sao@~8.0.11 \
    && ln -s .. node_modules/tryton-sao/node_modules
# The modules to activate (one list with scripts/demo and scripts/serve) and
# the gunicorn settings of scripts/serve.
COPY config/modules config/modules
COPY config/postgresql.sql config/postgresql.sql
COPY scripts/lib/gunicorn.conf.py scripts/lib/gunicorn.conf.py
COPY config/docker.conf /etc/trytond.conf
ENV TRYTOND_CONFIG=/etc/trytond.conf
RUN useradd --system --home /var/lib/trytond trytond \
    && mkdir -p /var/lib/trytond/filestore && chown -R trytond /var/lib/trytond
USER trytond
EXPOSE 8000
# One process per core (CONNEXION_WORKERS) of CONNEXION_THREADS threads;
# the databases served come from TRYTOND_DATABASE_NAMES.
CMD ["gunicorn", "-c", "/opt/connexion/scripts/lib/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--no-control-socket", "trytond.application:app"]
