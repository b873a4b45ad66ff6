"""arq's own command line, beside ``liftplan worker``:

    arq jobs.arq_settings.WorkerSettings          # a generation worker, configured from the environment
    arq --check jobs.arq_settings.WorkerSettings  # exit 0 when a worker polled the queue lately, else 1

Configured like ``liftplan worker`` (the same settings, jobs, relay, reconciler and metrics) but
needs ``DATABASE_URL`` and ``REDIS_URL`` (no embedded servers) and runs arq's plain ``Worker``: it
does not ride out a Redis outage (arq exits; let the supervisor restart it), and a job that a
shutdown interrupts is retried after a backoff instead of at once. ``liftplan worker`` remains the
one to run; this is for arq's tooling (``--check``, ``--watch``). Add
``--custom-log-dict jobs.arq_settings.LOGGING`` to keep arq's lines in liftplan's log format
(without it arq adds a handler of its own and its INFO lines show twice).
"""

import sys

from core.logging_setup import configure_logging
from core.settings import get_settings
from jobs.worker import worker_options
from services.adapters.outages import Outages


def _worker_settings() -> type:
    settings = get_settings()
    configure_logging(settings.log_level, settings.liftplan_log_format, settings.third_party_log_level)
    if not settings.database_url or not settings.redis_url:
        sys.exit(
            "arq's command line needs DATABASE_URL and REDIS_URL; `liftplan worker` starts embedded servers"
        )
    options = worker_options(
        settings, settings.database_url, settings.redis_url, burst=False, outages=Outages()
    )
    return type("WorkerSettings", (), options)


WorkerSettings = _worker_settings()
LOGGING = {"version": 1, "disable_existing_loggers": False}  # leaves liftplan's configuration alone
