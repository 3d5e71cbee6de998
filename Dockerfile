# The daemon in a container, from the same lock file as `make run`, as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MONITOR_DATABASE_URL=sqlite:////var/lib/monitor/monitor.db

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
RUN python -m pip install -r requirements.lock
COPY monitor ./monitor
COPY rules ./rules
COPY data/sources.yaml data/elections.yaml data/countries.yaml ./data/
RUN python -m pip install --no-deps . \
    && useradd --system --home-dir /var/lib/monitor --create-home monitor

USER monitor
# Same steps as `make run`: apply migrations, then run the daemon. SIGTERM stops it cleanly.
CMD ["sh", "-c", "monitor db upgrade && exec monitor run"]
