"""tests/simulators/test_fault_store.py, every test, on PostgreSQL (two stores on one database)."""

from tests.simulators.test_fault_store import *  # noqa: F403
