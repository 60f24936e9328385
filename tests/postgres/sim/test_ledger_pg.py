"""tests/simulators/test_ledger.py, every test, on PostgreSQL."""

from tests.simulators.test_ledger import *  # noqa: F403
