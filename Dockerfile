# The daemon in a container, from the same lock file as `make run`, as a non-root user.
#   podman build --format docker -t election-monitor .   (or docker build; podman's default OCI format drops HEALTHCHECK)
#   podman run -d -p 8080:8080 -v monitor-data:/var/lib/monitor election-monitor
# compose.yaml runs it on PostgreSQL with two workers.

# Build stage: the locked dependencies and the package (its rule pack and data inside) in a
# virtual environment that the final image copies whole, leaving the build behind.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/monitor
COPY requirements.lock /src/
RUN /opt/monitor/bin/pip install -r /src/requirements.lock
COPY pyproject.toml setup.py MANIFEST.in README.md /src/
COPY monitor /src/monitor
COPY rules /src/rules
COPY data/sources.yaml data/elections.yaml data/countries.yaml /src/data/
RUN /opt/monitor/bin/pip install --no-deps /src

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/monitor/bin:$PATH \
    MONITOR_DATABASE_URL=sqlite:////var/lib/monitor/monitor.db \
    MONITOR_CACHE_DIR=/var/lib/monitor/cache \
    MONITOR_HTTP_LISTEN=0.0.0.0:8080
COPY --from=build /opt/monitor /opt/monitor
RUN useradd --system --home-dir /var/lib/monitor --create-home monitor
USER monitor
# The working directory holds no rules or data of its own: the shipped ones are used, unless a
# folder made by `monitor init` is mounted here (each path setting prefers the working directory's).
WORKDIR /var/lib/monitor
VOLUME /var/lib/monitor
EXPOSE 8080
# /health answers 503 when the database is unreachable or the scheduler has stopped.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status != 200)"]
# Same steps as `make run`: apply migrations, then run the daemon. SIGTERM stops it cleanly.
CMD ["sh", "-c", "monitor db upgrade && exec monitor run"]
