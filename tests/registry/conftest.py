"""The browser fixtures of tests/browser, for the registry's page test."""

from tests.browser.conftest import (  # noqa: F401
    _playwright,
    browser,
    live_server,
    new_page,
    page,
    phone,
)
