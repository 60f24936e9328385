"""tests/integration/test_outbox.py, every test, on PostgreSQL."""

from tests.integration.test_outbox import *  # noqa: F403
