"""The browser tests' own fixtures (the API fixtures come from tests/api_fixtures.py)."""
