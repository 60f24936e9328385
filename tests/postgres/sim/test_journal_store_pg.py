"""tests/simulators/test_journal_store.py, every test, on PostgreSQL."""

from tests.simulators.test_journal_store import *  # noqa: F403
