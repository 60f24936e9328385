"""`debitorsim clock` talks to a running simulator's admin API; `debitorsim sim` parses its options."""

from __future__ import annotations

import json

import pytest

from debitorsim.cli import build_parser, main
from tests.conftest import Served


def test_clock_show_advance_set_mode(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[str] = []
    served.sim.scheduler.register("cli-test", lambda ctx: ran.append(ctx.now.isoformat()))
    served.sim.scheduler.schedule("cli-test", served.sim.clock.now().replace(hour=23))
    url = ["--sim-url", served.base_url]
    assert main(["clock", "show", *url]) == 0
    assert served.sim.clock.now().isoformat() in capsys.readouterr().out
    assert main(["clock", "advance", "P1D", *url]) == 0
    out = capsys.readouterr().out
    assert "ran   1 job(s), 0 failed" in out and "cli-test" in out and len(ran) == 1
    assert main(["clock", "set", "2026-12-24T18:00:00+01:00", "--json", *url]) == 0
    assert json.loads(capsys.readouterr().out)["now"] == "2026-12-24T18:00:00+01:00"
    assert main(["clock", "mode", "accelerated", "--factor", "10", *url]) == 0
    assert served.sim.clock.factor == 10
    assert main(["clock", "mode", "frozen", *url]) == 0
    assert main(["clock", "advance", "soon", *url]) == 1
    assert "not an ISO 8601 duration" in capsys.readouterr().err


def test_clock_reports_an_unreachable_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clock", "show", "--sim-url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach" in capsys.readouterr().err


def test_sim_and_clock_are_built_in_the_plan() -> None:
    parser = build_parser()
    plan = {line.split()[0]: line for line in (parser.epilog or "").splitlines()[1:]}
    assert "not built yet" not in plan["sim"] and "not built yet" not in plan["clock"]
    args = parser.parse_args(["sim", "--port", "0", "--data-dir", "x", "--clock", "accelerated"])
    assert (args.port, args.data_dir, args.clock) == (0, "x", "accelerated")
