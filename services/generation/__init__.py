"""The generation engine: split a week into days, draft each day's exercises (templates, rules,
selection, progression, volume balance), and write one session's outcome with its status.

May import: ``services.library`` (what it draws from), ``services.live.status_log`` (the events it
records), ``services.adapters`` and the shared modules. Nothing here knows HTTP, GraphQL or jobs.
"""
