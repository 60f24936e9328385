"""tests/integration/test_receiver.py (callbacks applied exactly once), every test, on PostgreSQL."""

from tests.integration.test_receiver import *  # noqa: F403
