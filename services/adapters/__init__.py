"""Adapters to the outside: the Redis status-event stream, the Redis rate-limit window, readiness
of PostgreSQL and Redis, which failures are transient, and one warning per outage.

May import: ``models``, ``services.live.status_log`` (the event shape) and the shared modules;
they hold no business rules.
"""
