# Connexion server image: trytond 8.0 + the Connexion modules + sao.
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
COPY config/docker.conf /etc/trytond.conf
ENV TRYTOND_CONFIG=/etc/trytond.conf
RUN useradd --system --home /var/lib/trytond trytond \
    && mkdir -p /var/lib/trytond/filestore && chown -R trytond /var/lib/trytond
USER trytond
EXPOSE 8000
CMD ["trytond", "-c", "/etc/trytond.conf"]
