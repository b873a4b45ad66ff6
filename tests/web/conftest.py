"""The browser tests' Chromium and guarded pages (the API fixtures come from tests/api_fixtures.py)."""

from tests.web.browser_support import browser, open_page

__all__ = ["browser", "open_page"]
