"""Fault rules in the store: shared by every process on one database (gunicorn workers).

Each "process" here is its own store object on the same database, with its own
`FaultInjector`, as a second worker would have. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from simulators.clock import VirtualClock
from simulators.faults import FaultInjector
from simulators.faults.injector import CONFIG
from simulators.faults.local import LocalFaultStore
from simulators.journal import Journal
from simulators.store import SqliteStore, Store
from tests.backends import each_backend

pytestmark = each_backend

HENT = "HentDebitorkonto"


def same_database(store: Any) -> Any:
    """A second store object on the database of `store` (what another worker opens)."""
    if isinstance(store, SqliteStore):
        return SqliteStore(store.path, synchronous="OFF")
    from simulators.store.postgres import PgStore

    return PgStore(store.url)


@pytest.fixture
def other(store: Store) -> Iterator[Any]:
    """The same database, opened a second time."""
    s = same_database(store)
    yield s
    s.close()


def injector(store: Any, clock: VirtualClock, rules: tuple[dict[str, Any], ...] = ()) -> Any:
    """A fault injector on `store` (journal off: these tests count, they do not journal)."""
    return FaultInjector(clock, Journal(store, clock, enabled=False), rules)


# -- the store's fault block -------------------------------------------------------------


def test_rows_ids_generation_and_clears(store: Any) -> None:
    with store.read() as tx:
        assert tx.fault_state().generation == 0 and tx.fault_rules() == []
    assert store.fault_generation() == 0
    with store.transaction() as tx:
        a = tx.add_fault_rule('{"kind": "http_500"}', None, "api")
        b = tx.add_fault_rule('{"kind": "http_503", "count": 2}', 2, "config")
        assert tx.delete_fault_rule(b) and not tx.delete_fault_rule(b)
        c = tx.add_fault_rule('{"kind": "timeout"}', None, "api")
        state = tx.fault_state()
    assert (a, b, c) == (1, 2, 3)  # an id is never used twice, not even after a delete
    assert (state.generation, state.clears, state.next_id) == (4, 0, 4)
    with store.transaction() as tx:
        # inside a transaction the generation read is part of it
        assert store.fault_generation() == 4
        rows = tx.fault_rules()
        assert [(r.id, r.source, r.remaining, r.fired) for r in rows] == [
            (1, "api", None, 0),
            (3, "api", None, 0),
        ]
        assert tx.clear_fault_rules() == 2
    with store.read() as tx:
        state = tx.fault_state()
    assert (state.generation, state.clears, state.next_id) == (5, 1, 4)
    assert store.fault_generation() == 5


def test_a_count_is_consumed_exactly_across_processes_and_threads(store: Any, other: Any) -> None:
    with store.transaction() as tx:
        rule = tx.add_fault_rule('{"kind": "http_500", "count": 60}', 60, "api")
    taken: list[int] = []
    lock = threading.Lock()

    def drain(s: Any) -> None:
        mine = 0
        while True:
            with s.transaction() as tx:
                if tx.consume_fault_rule(rule) is None:
                    break
            mine += 1
        with lock:
            taken.append(mine)

    threads = [threading.Thread(target=drain, args=(s,)) for s in (store, other) * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(taken) == 60 and len(taken) == 6
    with other.read() as tx:
        [row] = tx.fault_rules()
    assert (row.remaining, row.fired) == (0, 60)


def test_fired_adds_up_and_reset_keeps_the_rules(store: Any) -> None:
    with store.transaction() as tx:
        rule = tx.add_fault_rule('{"kind": "http_500"}', None, "api")
        tx.add_fault_fired({rule: 3})
        tx.add_fault_fired({rule: 2, 999: 1})  # a rule deleted meanwhile: nothing happens
        tx.set_fault_config("abc")
    with store.transaction() as tx:
        tx.reset()  # the admin reset empties the data, not the rules
    with store.read() as tx:
        assert [r.fired for r in tx.fault_rules()] == [5]
        assert tx.fault_state().config_digest == "abc"


# -- two injectors on one database ---------------------------------------------------------


def test_a_rule_added_in_one_process_applies_in_the_other_at_the_next_call(
    store: Any, other: Any, clock: VirtualClock
) -> None:
    a, b = injector(store, clock), injector(other, clock)
    assert not b.active()
    rule = a.add({"kind": "http_503", "operation": HENT})
    assert b.active()
    assert b.decide("101", HENT).fault.id == rule.id
    assert b.decide("101", "OpretFordring").fault is None  # scope holds in the other process
    assert b.delete(rule.id)
    assert not a.active() and a.decide("101", HENT).fault is None
    a.add({"kind": "http_500"})
    a.add({"kind": "latency", "fixed_ms": 5})
    assert b.clear() == 2
    assert a.rules() == [] and not a.active()
    a.close()
    b.close()


def test_next_n_calls_fail_n_times_in_total(store: Any, other: Any, clock: VirtualClock) -> None:
    a, b = injector(store, clock), injector(other, clock)
    rule = a.add({"kind": "http_500", "count": 5})
    faults = [(a, b)[i % 2].decide("101", HENT).fault for i in range(40)]
    assert sum(f is not None for f in faults) == 5
    listed = b.get(rule.id)
    assert (listed.fired, listed.remaining) == (5, 0)
    a.close()
    b.close()


def test_fired_of_an_uncounted_rule_is_global(store: Any, other: Any, clock: VirtualClock) -> None:
    a, b = injector(store, clock), injector(other, clock)
    rule = a.add({"kind": "latency", "fixed_ms": 1})
    for _ in range(3):
        assert a.decide("101", HENT).delay_ms == 1
    for _ in range(4):
        assert b.decide("147", HENT).delay_ms == 1
    assert b.flush()  # b's counts are written in the background, a's by its own rules()
    assert a.get(rule.id).fired == 7
    a.close()
    b.close()


def test_a_clear_in_one_process_releases_holds_in_the_other(
    store: Any, other: Any, clock: VirtualClock
) -> None:
    a, b = injector(store, clock), injector(other, clock)
    a.add({"kind": "timeout", "hold_ms": 120_000})
    ended: list[bool] = []
    holding = threading.Thread(target=lambda: ended.append(a.hold(120.0)))
    holding.start()
    assert b.clear() == 1
    holding.join(timeout=30)  # the hold re-reads the rules every HOLD_SLICE_S
    assert not holding.is_alive() and ended == [False]
    assert a.hold(0.01) is True  # a short hold that nobody cuts runs to its end
    a.close()
    b.close()


def test_callback_rules_follow_the_store(store: Any, other: Any, clock: VirtualClock) -> None:
    a, b = injector(store, clock), injector(other, clock)
    a.add({"kind": "callback_drop", "count": 1})
    events: Any = ("event-1", "event-2")  # the plan only orders and repeats them
    assert b.callback_plan("101", events).messages == ()  # dropped by the other process
    assert a.callback_plan("101", events).messages == (events,)  # count used up everywhere
    a.close()
    b.close()


def _pattern(inj: Any, seed: int, n: int = 40) -> list[bool]:
    inj.add({"kind": "http_500", "probability": 0.3, "seed": seed})
    return [inj.decide("101", "OpretFordring").fault is not None for _ in range(n)]


def test_a_seeded_rule_in_one_process_replays_as_before(store: Any, clock: VirtualClock) -> None:
    stored = injector(store, clock)
    in_memory = FaultInjector(clock, Journal.__new__(Journal), store=LocalFaultStore())
    pattern = _pattern(stored, 7)
    rng = random.Random(7)
    assert pattern == [rng.random() < 0.3 for _ in range(40)]
    assert pattern == _pattern(in_memory, 7)
    stored.close()


# -- rules given in the configuration ------------------------------------------------------

CONFIGURED = (
    {"kind": "http_503", "count": 2},
    {"kind": "latency", "fixed_ms": 1, "probability": 0.5},
)


def test_configured_rules_are_stored_once_for_all_workers(
    store: Any, other: Any, clock: VirtualClock
) -> None:
    first = injector(store, clock, CONFIGURED)
    second = injector(other, clock, CONFIGURED)  # a second worker, same configuration
    rules = second.rules()
    assert [r.kind for r in rules] == ["http_503", "latency"]
    # a seed drawn at start is stored: every worker draws the same sequence
    assert rules[1].seed is not None and first.rules()[1].seed == rules[1].seed
    assert first.decide("101", HENT).fault is not None
    restarted = injector(same_database(store), clock, CONFIGURED)  # a worker restarted later
    assert [(r.id, r.remaining) for r in restarted.rules()] == [(1, 1), (2, None)]
    for inj in (first, second, restarted):
        inj.close()
    restarted.store.close()


def test_another_configured_set_replaces_the_configured_rules_only(
    store: Any, other: Any, clock: VirtualClock
) -> None:
    first = injector(store, clock, CONFIGURED)
    added = first.add({"kind": "http_500", "kommunekode": "147"})
    changed = injector(other, clock, ({"kind": "soap_server_fault"},))
    assert [(r.id, r.kind) for r in changed.rules()] == [
        (added.id, "http_500"),
        (4, "soap_server_fault"),
    ]
    with store.read() as tx:
        assert [r.source for r in tx.fault_rules()] == ["api", CONFIG]
    none = injector(same_database(store), clock)  # started without configured rules
    assert [r.id for r in none.rules()] == [added.id]
    for inj in (first, changed, none):
        inj.close()
    none.store.close()
