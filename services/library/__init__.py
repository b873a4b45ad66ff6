"""The movement library: the curated catalogue shipped in ``data/movements.yaml``, the importer of
free-exercise-db lists, the library in PostgreSQL and the in-process index drafting reads.

May import: ``models`` and the shared modules; nothing of generation, programs or live.
"""
