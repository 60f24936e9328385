"""tests/integration/test_service.py, every test, on PostgreSQL."""

from tests.integration.test_service import *  # noqa: F403
