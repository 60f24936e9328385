"""tests/integration/test_store_reset.py, on PostgreSQL."""

from tests.integration.test_store_reset import *  # noqa: F403
