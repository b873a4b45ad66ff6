"""The Starlette application: lifespan wiring and the plain HTTP routes beside GraphQL."""
