"""arq tasks and their wiring. Jobs take ids, open their own database sessions, call services."""
