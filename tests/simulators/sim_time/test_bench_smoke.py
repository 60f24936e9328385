"""The time benchmark runs small and checks itself (no timing asserted here)."""

from __future__ import annotations

from load.bench.sim_time import run


def test_bench_small_run_delivers_every_event_once() -> None:
    result = run(claims=60, days=10, municipalities=4, seed=7)
    assert result["claims"] == 60
    assert result["events_reported"] > 0
    assert result["received_new"] == result["events_reported"]
    assert result["received_duplicates"] == 0
    assert result["all_delivered_once"] is True
    assert set(result["systems"]) == {"opus", "prisme2015", "prisme2009", "eg"}
