"""The gate: thresholds file parsing and breach detection (no Locust involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from load.profiles import gate


def _row(name: str = "OpretFordring", **kw: float) -> gate.RequestStats:
    base = {"requests": 100, "failures": 0, "p95_ms": 10.0, "p99_ms": 20.0}
    base.update(kw)
    return gate.RequestStats(name=name, **base)  # type: ignore[arg-type]


def test_shipped_thresholds_pass_a_healthy_run() -> None:
    t = gate.load()
    assert gate.evaluate([_row(), _row("HentDebitorkonto")], t) == []


def test_any_failure_breaks_the_default_gate() -> None:
    breaches = gate.evaluate([_row(failures=1)], gate.load())
    assert len(breaches) == 1 and "failure ratio" in breaches[0]


def test_per_request_latency_limits_apply_by_name() -> None:
    t = gate.load()
    slow = _row("HentDebitorkonto", p95_ms=t.limits("HentDebitorkonto").p95_ms + 1)
    assert gate.evaluate([slow], t) == [
        f"HentDebitorkonto: p95 {slow.p95_ms:.0f} ms > {t.limits('HentDebitorkonto').p95_ms} ms"
    ]
    # the same latency is fine for a request type with a looser budget
    assert gate.evaluate([_row("SoegDebitorkonti", p95_ms=slow.p95_ms)], t) == []


def test_unlisted_request_types_get_the_default() -> None:
    t = gate.load()
    assert t.limits("something new") == t.default
    assert gate.evaluate([_row("something new", p99_ms=t.default.p99_ms + 1)], t)


def test_a_run_that_sent_nothing_fails() -> None:
    assert gate.evaluate([], gate.load()) == ["only 0 requests sent (minimum 20)"]


def test_profile_tables_override(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text(
        "[gate]\nmax_failure_ratio = 0.0\n[requests.default]\np95_ms = 5\n"
        "[profiles.stress.gate]\nmax_failure_ratio = 0.5\n"
        "[profiles.stress.requests.default]\np95_ms = 50\n"
    )
    assert gate.evaluate([_row(failures=10)], gate.load(f))
    assert gate.evaluate([_row(failures=10)], gate.load(f, "stress")) == []
    assert gate.load(f, "stress").default.p95_ms == 50


def test_per_request_tables_inherit_the_default(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text('[requests.default]\np95_ms = 5\np99_ms = 7\n[requests."X"]\np95_ms = 9\n')
    assert gate.load(f).limits("X") == gate.Limits(9, 7)


def test_typos_in_the_thresholds_are_rejected(tmp_path: Path) -> None:
    f = tmp_path / "t.toml"
    f.write_text("[requests.default]\np59_ms = 5\n")
    with pytest.raises(ValueError, match="p59_ms"):
        gate.load(f)


def test_the_stress_profile_judges_latency_by_its_default_only() -> None:
    t = gate.load(profile="stress")
    assert t.max_failure_ratio == 0.01
    assert t.limits("HentDebitorkonto") == t.default == gate.Limits(2000, 5000)
    assert gate.load().limits("HentDebitorkonto") != gate.load().default
