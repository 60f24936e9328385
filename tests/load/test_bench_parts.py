"""Parts of the benchmark that can be checked quickly: the bulk seed and the figures' parsing."""

from __future__ import annotations

from pathlib import Path

from load.bench import calls
from load.bench import table as bench
from load.support import runner, traffic
from oeir import kommuner, model, soap
from oeir.services import DEBITOR_FORESPOERGSEL
from simulators import SimConfig, create_app


def test_seeded_claims_are_real_simulator_state(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    accounts = bench.seed(db, 400, 4)
    assert len(accounts) == 100
    assert bench._claims_in(db) == 400
    app = create_app(SimConfig(database=db, journal_enabled=False))
    nummer, kode = accounts[37]
    call = traffic.Traffic(seed=1).hent_debitorkonto(kommuner.by_kode()[kode], kontonummer=nummer)
    resp = app.test_client().post(call.path, data=call.body, headers=call.headers)
    assert resp.status_code == 200, resp.data[:500]
    svar = soap.read_response(resp.data, model.HentDebitorkontoSvar)
    konto = svar.debitorkonto
    assert konto.debitorkontonummer == nummer and konto.kommunekode == kode
    assert len(konto.fordringer) == 4
    assert konto.saldo == sum(f.saldo for f in konto.fordringer) == 4 * 2500 + 100 * (0 + 1 + 2 + 3)
    assert DEBITOR_FORESPOERGSEL.path == call.path


def _expand(template: Path, request: int) -> bytes:
    """What load/support/wrk_soap.lua sends as its `request`-th body: the template's bodies in
    turn, every ``__FID__`` replaced by an id of that request."""
    bodies = [b for b in template.read_bytes().split(b"\n----8<----\n") if b]
    body = bodies[request % len(bodies)]
    return body.replace(calls.FRESH_ID.encode(), f"W1-1-{request}".encode())


def test_every_request_of_the_opret_fordring_template_is_a_new_call_that_succeeds(
    tmp_path: Path,
) -> None:
    """The bench's OpretFordring rate must count stored claims: a body sent again with the same
    CallersServiceCallIdentifier is refused (KaldIdAlleredeBrugt), and a rate of refusals
    measures nothing the issue asks about."""
    db = tmp_path / "sim.db"
    client = create_app(SimConfig(database=db, journal_enabled=False)).test_client()
    t = traffic.Traffic(seed=4)
    debtors = []
    for kommune in kommuner.alle()[:3]:
        call, debitor, _ = t.opret_debitorkonto(kommune)
        assert client.post(call.path, data=call.body, headers=call.headers).status_code == 200
        debtors.append((kommune, debitor))
    template = calls.opret_fordring_template(tmp_path, debtors, t)
    headers = {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": calls.soap_action("OpretFordring"),
    }
    before = bench._claims_in(db)
    for request in range(2 * len(debtors)):  # each body twice, as wrk goes round them
        resp = client.post(
            traffic.DEBITOR_REGISTRERING.path, data=_expand(template, request), headers=headers
        )
        assert resp.status_code == 200, resp.data[:600]
    assert bench._claims_in(db) - before == 2 * len(debtors)


def test_a_figure_whose_requests_failed_is_not_valid_and_fails_the_bench() -> None:
    fig = {"rps": 1000.0, "p50_ms": 5.0, "p99_ms": 20.0, "requests": 9000, "failed": 0}
    refused = {**fig, "rps": 1100.0, "failed": 8900}
    results = {
        "ceiling": {"static_wsgi": {**fig, "rps": 4000.0}, "flask_lxml": {**fig, "rps": 2000.0}},
        "opret_fordring": refused,
        "opret_fordring_journal_off": fig,
        "latency_100ms": {**fig, "rps": 1300.0, "ideal_rps": 2000.0},
        "latency_100ms_static": fig,
        "hent_1m": {"skipped": "x"},
        "hent_1m_journal_off": {"skipped": "x"},
        "core_100k": {"skipped": "x"},
    }
    text = bench.table(results)
    row = next(ln for ln in text.splitlines() if ln.startswith("OpretFordring c=32, journal on"))
    assert "NOT VALID: 8,900 of 9,000 requests failed" in row and "1,100" not in row
    assert row.rstrip().endswith("NO")
    assert "journal cost" not in text  # a cost from a refused run would be made up
    latency = next(ln for ln in text.splitlines() if ln.startswith("OpretFordring 100 ms"))
    assert latency.rstrip().endswith("yes")  # 1,300 >= 0.6 of 2,000
    assert bench.failed_figures(results) == ["opret_fordring"]


def test_server_side_percentiles_come_from_gunicorns_request_time(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    # 99 fast answers, one slow one, and a fault that must not count
    log.write_text("1000 200\n" * 99 + "250000 200\n" + "900000 500\n")
    figures = bench._server_p99_ms(log)
    assert figures == {"server_requests": 100, "server_p50_ms": 1.0, "server_p99_ms": 250.0}


def test_work_percentiles_come_from_the_server_timing_header(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        "9000 200 app;dur=0.80\n" * 99 + "30000 200 app;dur=4.50\n" + "1 500 app;dur=99\n"
    )
    figures = bench._server_p99_ms(log)
    assert figures["work_requests"] == 100
    assert (figures["work_p50_ms"], figures["work_p99_ms"]) == (0.8, 4.5)
    assert figures["server_p99_ms"] == 30.0  # the request time includes the wait for a slot


def test_the_table_reports_ratios_to_the_ceilings_and_skips_honestly() -> None:
    fig = {"rps": 1000.0, "p50_ms": 5.0, "p99_ms": 20.0}
    results = {
        "ceiling": {
            "static_wsgi": {**fig, "rps": 4000.0},
            "flask_lxml": {**fig, "rps": 2000.0},
            "nginx_static": {"skipped": "nginx not installed"},
        },
        "opret_fordring": fig,
        "opret_fordring_journal_off": {**fig, "rps": 1250.0},
        "latency_100ms": {"skipped": "no injection"},
        "latency_100ms_static": {**fig, "rps": 1950.0},
        "hent_1m": {**fig, "server_p99_ms": 3.1, "claims_stored": 1_000_000},
        "hent_1m_journal_off": {**fig, "server_p99_ms": 2.0},
        "core_100k": {"seconds_total": 80.0, "fees_per_second": 1250.0, "fees": 100_000},
    }
    text = bench.table(results)
    row = next(ln for ln in text.splitlines() if ln.startswith("OpretFordring c=32, journal on"))
    assert "| 0.25 " in row and "| 0.50 " in row  # 1000/4000 and 1000/2000
    assert "20.0% of throughput" in text  # journal cost 1 - 1000/1250
    assert "skipped: nginx not installed" in text and "skipped: no injection" in text
    assert "80.0 s" in text
    assert "HentDebitorkonto c=32, 1M claims" in text and "core end to end, 100k fees" in text


def _wrk(rps: float, failed: int = 0, p99: float = 20.0) -> runner.WrkResult:
    return runner.WrkResult(
        requests=int(rps * 3),
        seconds=3.0,
        rps=rps,
        p50_ms=p99 / 2,
        p90_ms=p99 * 0.8,
        p99_ms=p99,
        max_ms=p99 * 2,
        errors=0,
        non_2xx=failed,
    )


def test_rounds_make_one_figure_and_any_failed_round_spoils_it() -> None:
    fig = bench._rounds_combined([_wrk(600, p99=90), _wrk(900, p99=30), _wrk(700, p99=60)])
    assert (fig["requests"], fig["seconds"], fig["rps"]) == (6600, 9.0, 733.3)
    assert fig["p99_ms"] == 60  # the median round's (by rate), not the best one's
    assert len(fig["rounds"]) == 3 and runner.not_valid(fig) is None
    spoiled = bench._rounds_combined([_wrk(600), _wrk(900, failed=5), _wrk(700)])
    assert spoiled["failed"] == 5
    assert runner.not_valid(spoiled) == "NOT VALID: 5 of 6,600 requests failed"


def test_the_journal_cost_of_alternating_rounds_is_their_median() -> None:
    fig = {"rps": 1000.0, "p50_ms": 5.0, "p99_ms": 20.0}
    on = {**fig, "journal_cost": 0.1, "journal_cost_rounds": [0.3, 0.1, -0.05]}
    results = {
        "ceiling": {"static_wsgi": {**fig, "rps": 4000.0}, "flask_lxml": {**fig, "rps": 2000.0}},
        "opret_fordring": on,
        "opret_fordring_journal_off": {**fig, "rps": 1250.0},  # 20 % from the totals
        "latency_100ms": {"skipped": "x"},
        "latency_100ms_static": {"skipped": "x"},
        "hent_1m": {"skipped": "x"},
        "hent_1m_journal_off": {"skipped": "x"},
        "core_100k": {"skipped": "x"},
    }
    row = next(ln for ln in bench.table(results).splitlines() if ln.startswith("journal cost"))
    assert "10.0% of throughput (median of 3 rounds, -5% to 30%)" in row
    assert row.rstrip().endswith("yes")


def test_the_soak_fails_when_the_wal_grows() -> None:
    fig = {"rps": 1000.0, "p50_ms": 5.0, "p99_ms": 20.0}
    soak = {"rss_drift": 0.02, "rps_per_minute": [600.0, 650.0], "failed": 0, "wal_mb_max": 18.0}
    results = {
        "ceiling": {"static_wsgi": {**fig, "rps": 4000.0}, "flask_lxml": {**fig, "rps": 2000.0}},
        **{
            key: {"skipped": "x"}
            for key in (
                "opret_fordring",
                "opret_fordring_journal_off",
                "latency_100ms",
                "latency_100ms_static",
                "hent_1m",
                "hent_1m_journal_off",
                "core_100k",
            )
        },
        "soak": soak,
    }

    def row() -> str:
        return next(ln for ln in bench.table(results).splitlines() if ln.startswith("soak"))

    assert "WAL max 18 MB" in row() and row().rstrip().endswith("yes")
    results["soak"] = {**soak, "wal_mb_max": 1826.8}  # a WAL never started again
    assert "WAL max 1,827 MB" in row() and row().rstrip().endswith("NO")


def test_the_ratio_to_flask_lxml_is_the_median_of_rounds_measured_beside_it() -> None:
    """The ceiling figure of the run was measured minutes earlier: the machine's drift in
    between would move the ratio, so a figure measured in rounds beside the ceiling uses
    its own rounds' ratios."""
    ratios = bench._ratio_rounds([700.0, 800.0, 900.0], [2000.0, 2000.0, 2000.0])
    assert ratios["flask_lxml_ratio"] == 0.4  # the median of 0.35, 0.40, 0.45
    assert ratios["flask_lxml_ratio_rounds"] == [0.35, 0.4, 0.45]
    assert bench._ratio_rounds([700.0], [0.0]) == {}  # no ceiling, no ratio
    # a ceiling run with failed requests measured failures: it is not the round's ceiling
    assert bench._best_ceiling([_wrk(2500, failed=3), _wrk(2100)]) == 2100
    assert bench._best_ceiling([_wrk(2500, failed=3)]) == 0.0

    fig = {"rps": 800.0, "p50_ms": 5.0, "p99_ms": 20.0}
    results = {
        "ceiling": {"static_wsgi": {**fig, "rps": 4000.0}, "flask_lxml": {**fig, "rps": 3200.0}},
        "opret_fordring": {**fig, **ratios},  # 800 / 3200 = 0.25 against the earlier ceiling
        "opret_fordring_journal_off": {**fig, "rps": 900.0},
        **{
            key: {"skipped": "x"}
            for key in (
                "latency_100ms",
                "latency_100ms_static",
                "hent_1m",
                "hent_1m_journal_off",
                "core_100k",
            )
        },
    }

    def row() -> list[str]:
        text = bench.table(results)
        line = next(
            ln for ln in text.splitlines() if ln.startswith("OpretFordring c=32, journal on")
        )
        return [cell.strip() for cell in line.split("|")]

    cells = row()
    assert cells[3] == "0.40" and "median of 3 rounds beside it" in cells[1]
    assert cells[5] == "yes"  # 0.40 >= 0.35 and p99 20 <= 50
    results["opret_fordring"] = {**fig, **bench._ratio_rounds([600.0] * 3, [2000.0] * 3)}
    assert row()[3] == "0.30" and row()[5] == "NO"
