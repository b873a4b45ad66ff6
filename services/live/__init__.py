"""Live status: the status log in PostgreSQL (the record of every change, in order), the relay that
copies it to Redis, the hub that fans events out to this process's watchers, one watcher's stream,
the in-memory view of a watched program, and generation progress.

May import: ``services.adapters`` (the Redis stream, transient errors, outages),
``services.programs.reads`` and the shared modules.
"""
