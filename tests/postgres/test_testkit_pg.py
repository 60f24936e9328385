"""The pytest plugin's server on PostgreSQL (``--debitorsim-database-url``): started, and
reset between tests, as on SQLite."""

from __future__ import annotations

from pathlib import Path

from debitorsim.testkit import ServerOptions, TestServer
from tests.debitorsim.test_testkit import _send_claim


def test_the_plugins_server_runs_and_resets_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    with TestServer(ServerOptions(data_dir=tmp_path, database_url=pg_url)) as server:
        server.reset()
        sim = server.sim
        start = sim.clock.now()
        assert _send_claim(sim.url, "FBS-101-1").status_code == 200
        sim.add_fault({"kind": "http_503"})
        sim.clock.advance("P1D")
        assert sim.verify.count(operation="OpretFordring", kommunekode="101") == 1
        server.reset()
        assert sim.admin.get("/admin/stats")["claims"] == 0
        assert sim.verify.count() == 0
        assert sim.admin.get("/admin/faults")["rules"] == []
        assert sim.clock.now() == start
    assert not (tmp_path / "sim.sqlite3").exists()  # the store was PostgreSQL's
