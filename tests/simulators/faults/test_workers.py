"""Fault rules under real gunicorn with two worker processes on one simulator database.

The simulator runs as `debitorsim.wsgi:simulator()` behind `tests.simulators.faults.pid_app`,
which adds the serving worker's pid to every answer, so each test shows that both
workers served calls (fault rules, and the virtual clock, are shared through the store). Admin calls go over one keep-alive connection (one worker);
SOAP calls each open a new connection, which either worker may accept.
No test sleeps: waits are polls over HTTP, or client timeouts.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from load.support.runner import Gunicorn
from oeir.services import DEBITOR_FORESPOERGSEL
from tests.simulators.faults.pid_app import PID_HEADER
from tests.simulators.helpers import hent

APP = "tests.simulators.faults.pid_app:simulator()"
MAX_CALLS = 400
"""Bound on calls made while waiting for both workers to have served."""


@dataclass
class Workers:
    """A 2-worker simulator and helpers."""

    server: Gunicorn
    admin_http: requests.Session

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        """The admin API over the one keep-alive connection."""
        r = self.admin_http.request(method, f"{self.server.url}/admin{path}", timeout=30, **kw)
        assert r.status_code < 300, (r.status_code, r.text)
        return r.json()

    def call(self, kode: str = "101", timeout: float = 30) -> requests.Response:
        """HentDebitorkonto on a new connection (unknown account: a SOAP Fault, HTTP 500)."""
        return requests.post(
            self.server.url + DEBITOR_FORESPOERGSEL.path,
            data=hent(kode),
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=timeout,
        )

    def calls_until_each_worker_served(
        self, at_least: int, kode: str = "101", batch: int = 8
    ) -> list[requests.Response]:
        """Concurrent calls, `batch` at a time, until both workers answered `at_least` each."""
        answers: list[requests.Response] = []
        with ThreadPoolExecutor(batch) as pool:
            while len(answers) < MAX_CALLS:
                answers += pool.map(lambda _: self.call(kode), range(batch))
                per_pid = Counter(r.headers[PID_HEADER] for r in answers)
                if len(per_pid) == 2 and min(per_pid.values()) >= at_least:
                    return answers
        raise AssertionError(f"both workers did not serve {at_least} calls each: {per_pid}")

    def poll(self, check: Callable[[], bool], what: str, seconds: float = 30) -> None:
        """Ask until `check()` holds (each ask is an HTTP call), or fail after `seconds`."""
        end = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < end, f"gave up waiting: {what}"


def start(workdir: Path, faults: list[dict[str, Any]] | None = None) -> Gunicorn:
    """The simulator under gunicorn, 2 workers × 16 threads, on its own database."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        "DEBITORSIM_SIM_DB": str(workdir / "simulator.db"),
        "DEBITORSIM_CORE_URL": "",
        "DEBITORSIM_JOURNAL": "off",
        "DEBITORSIM_CLOCK_MODE": "frozen",
        "DEBITORSIM_FAULTS": json.dumps(faults or []),
    }
    server = Gunicorn(APP, workers=2, threads=16, env=env, log_file=workdir / "gunicorn.log")
    server.start().wait_ready("/admin/faults")
    return server


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    """One 2-worker simulator for the module, both workers up."""
    server = start(tmp_path_factory.mktemp("two-workers"))
    with requests.Session() as http:
        w = Workers(server, http)
        try:
            w.calls_until_each_worker_served(1)
            yield w
        finally:
            server.stop()


@pytest.fixture
def workers(two_workers: Workers) -> Iterator[Workers]:
    """The module's server with no fault rules before and after the test."""
    two_workers.admin("DELETE", "/faults")
    yield two_workers
    two_workers.admin("DELETE", "/faults")


def fired(w: Workers, rule_id: int) -> int:
    """The rule's global `fired`."""
    return int(w.admin("GET", f"/faults/{rule_id}")["fired"])


def test_a_rule_added_on_one_connection_applies_on_both_workers(workers: Workers) -> None:
    rule = workers.admin(
        "POST", "/faults", json={"kind": "http_503", "operation": "HentDebitorkonto"}
    )
    answers = workers.calls_until_each_worker_served(5)
    assert [r.status_code for r in answers] == [503] * len(answers)
    # each worker's applications are added up in the store (in the background: poll)
    workers.poll(lambda: fired(workers, rule["id"]) == len(answers), "fired == calls")


def test_delete_and_clear_reach_both_workers(workers: Workers) -> None:
    one = workers.admin("POST", "/faults", json={"kind": "http_503", "kommunekode": "101"})
    other = workers.admin("POST", "/faults", json={"kind": "http_500", "kommunekode": "147"})
    assert {r.status_code for r in workers.calls_until_each_worker_served(2)} == {503}

    assert workers.admin("DELETE", f"/faults/{one['id']}") == {"removed": 1}
    answers = workers.calls_until_each_worker_served(3)
    assert {r.status_code for r in answers} == {500}  # the SOAP Fault of an unknown account
    assert all(b"Envelope" in r.content for r in answers)
    answers = workers.calls_until_each_worker_served(2, "147")  # 147's rule is still there
    assert all(r.status_code == 500 and b"Envelope" not in r.content for r in answers)

    assert workers.admin("DELETE", "/faults") == {"removed": 1}
    assert other["id"] not in [r["id"] for r in workers.admin("GET", "/faults")["rules"]]
    answers = workers.calls_until_each_worker_served(3, "147")
    assert all(r.status_code == 500 and b"Envelope" in r.content for r in answers)


def test_next_5_calls_fail_5_times_in_total(workers: Workers) -> None:
    rule = workers.admin("POST", "/faults", json={"kind": "http_503", "count": 5})
    answers = workers.calls_until_each_worker_served(20)  # at least 40 calls
    statuses = Counter(r.status_code for r in answers)
    assert statuses[503] == 5 and statuses[500] == len(answers) - 5, statuses
    listed = workers.admin("GET", f"/faults/{rule['id']}")
    assert (listed["fired"], listed["remaining"]) == (5, 0)


def _held_then_released(workers: Workers, n: int) -> list[requests.Response | Exception]:
    """`n` calls at once, held by the rule in place; clear once all are held; the outcomes."""

    def call(_: int) -> requests.Response | Exception:
        try:
            return workers.call(timeout=60)  # the hold is 120 s: only the clear ends it in time
        except requests.RequestException as exc:
            return exc

    [rule] = workers.admin("GET", "/faults")["rules"]
    with ThreadPoolExecutor(n) as pool:
        outcomes = pool.map(call, range(n))
        workers.poll(lambda: fired(workers, rule["id"]) == n, f"{n} calls held")
        assert workers.admin("DELETE", "/faults") == {"removed": 1}
        return list(outcomes)


def test_clearing_releases_held_requests_on_both_workers(workers: Workers) -> None:
    for _ in range(3):  # until the held calls were spread over both workers
        workers.admin("POST", "/faults", json={"kind": "latency", "fixed_ms": 120_000})
        outcomes = _held_then_released(workers, 12)
        assert all(isinstance(o, requests.Response) and o.status_code == 500 for o in outcomes)
        if len({o.headers[PID_HEADER] for o in outcomes}) == 2:  # type: ignore[union-attr]
            return
    pytest.fail("the held calls never landed on both workers")


def test_clearing_drops_requests_held_by_a_timeout_rule(workers: Workers) -> None:
    workers.admin("POST", "/faults", json={"kind": "timeout", "hold_ms": 120_000})
    outcomes = _held_then_released(workers, 12)
    # dropped without an answer, long before the hold or the client's timeout would end
    assert all(isinstance(o, requests.ConnectionError) for o in outcomes), outcomes


def test_an_advance_on_one_worker_is_seen_by_both_workers(workers: Workers) -> None:
    """Issue 13 (6): the virtual clock lives in the store; each request reads it."""
    before = workers.admin("GET", "/clock")["now"]
    moved = workers.admin("POST", "/clock", json={"advance": "P3D"})["now"]  # one worker
    assert moved != before
    answers: Counter[tuple[str, str]] = Counter()
    for _ in range(MAX_CALLS):
        r = requests.get(f"{workers.server.url}/admin/clock", timeout=30)  # either worker
        answers[(r.headers[PID_HEADER], r.json()["now"])] += 1
        if len({pid for pid, _ in answers}) == 2:
            break
    assert len({pid for pid, _ in answers}) == 2, answers
    assert {now for _, now in answers} == {moved}, answers


def test_configured_rules_are_loaded_once_and_kept_by_a_restarted_worker(tmp_path: Path) -> None:
    configured = [
        {"kind": "http_503", "kommunekode": "101", "count": 3},
        {"kind": "callback_drop", "kommunekode": "851"},
    ]
    server = start(tmp_path, configured)
    try:
        w = Workers(server, requests.Session())
        # both workers list the same two rules: the second worker did not add them again
        views: Counter[str] = Counter()
        for _ in range(MAX_CALLS):
            r = requests.get(f"{server.url}/admin/faults", timeout=30)
            views[r.headers[PID_HEADER]] += 1
            assert [x["id"] for x in r.json()["rules"]] == [1, 2]
            if len(views) == 2:
                break
        assert len(views) == 2, views
        statuses = Counter(r.status_code for r in w.calls_until_each_worker_served(5))
        assert statuses[503] == 3  # the configured count is global, not 3 per worker

        # kill one worker: gunicorn starts a new one, which leaves the stored rules alone
        old = set(views)
        os.kill(int(next(iter(old))), signal.SIGKILL)
        new_pids: set[str] = set()

        def a_new_worker_answered() -> bool:
            # Bounded by time, not by calls: on a loaded machine the survivor answers
            # hundreds of calls while gunicorn starts the new worker.
            new_pids.update({w.call("147").headers[PID_HEADER]} - old)
            return bool(new_pids)

        w.poll(a_new_worker_answered, "a new worker to answer after the kill", seconds=120)
        rules = w.admin("GET", "/faults")["rules"]
        assert [(r["id"], r["remaining"], r["fired"]) for r in rules] == [(1, 0, 3), (2, None, 0)]
        answers = w.calls_until_each_worker_served(3)
        assert {r.status_code for r in answers} == {500}
        w.admin_http.close()
    finally:
        server.stop()
