"""The metrics tests' hand-made record set, reused for the dashboard."""

from tests.webapp.metrics.conftest import world  # noqa: F401
