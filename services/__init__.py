"""Business logic: plain async functions taking an ``AsyncSession`` or a ``UnitOfWork`` first.

No Strawberry, arq or Starlette here (tests/foundation/test_import_rules.py checks it). The rooms:

- ``generation/``: the engine that drafts and writes one session's exercises.
- ``library/``: the movement library: the shipped catalogue, imports, the in-process index.
- ``programs/``: the use cases on programs: create, read, regenerate, repair, find stale sessions.
- ``live/``: the status log and what follows it: relay, fan-out, watchers, progress.
- ``access/``: users, tokens, who may see what, and the caps on live subscriptions.
- ``adapters/``: the Redis and PostgreSQL edges: the event stream, rate-limit windows, readiness,
  which failures are transient, one warning per outage.

Beside them, shared by all: ``errors`` (domain errors and their codes), ``unit_of_work`` (one
transaction and the status events it records), ``text_input`` (text PostgreSQL could not store) and
``ids`` (ids as clients send them, parsed for PostgreSQL).
"""
