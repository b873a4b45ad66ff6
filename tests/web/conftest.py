"""The API fixtures, shared with tests/api."""

from tests.api.conftest import api, api_settings, make_token, token

__all__ = ["api", "api_settings", "make_token", "token"]
