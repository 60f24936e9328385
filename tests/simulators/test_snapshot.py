"""Snapshots (`simulators.snapshot`, ``GET/PUT /admin/snapshot``, ``debitorsim snapshot``).

The state is observed through the store's own readers (every account, claim, event, job,
callback batch and attempt, tenant override, fault rule with its counts, recorded call id)
and the clock, independently of the snapshot code; on SQLite also as a checksum over the
raw rows of every table. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from debitorsim import cli
from oeir import model
from oeir.services import DEBITOR_REGISTRERING
from simulators import SimConfig, create_app, simulator_of, snapshot
from simulators.clock import VirtualClock
from simulators.engine import Simulator
from simulators.store.sqlite import SqliteStore
from simulators.store.time import TimeRepo
from tests.backends import Backend, each_backend
from tests.hardening.checksums import sqlite_checksum
from tests.simulators.helpers import CPRS, fordring
from tests.simulators.test_call_replay import call, fejlkode, invariant_holds, opret
from wsgiserve import ServerThread

pytestmark = each_backend

REG = DEBITOR_REGISTRERING
ALL = 10**9


@pytest.fixture
def other_config(backend: Backend, tmp_path: Path) -> Iterator[SimConfig]:
    """A second, fresh simulator database (on the test's backend)."""
    with backend.another_database() as url:
        if url:
            yield SimConfig(data_dir=tmp_path / "other", database_url=url)
        else:
            yield SimConfig(data_dir=tmp_path / "other", synchronous="OFF")


@pytest.fixture
def kode(sim: Simulator) -> str:
    """A municipality with a public profile."""
    return next(t.kode for t in sim.tenants.all() if not t.illustrative)


def observed(sim: Simulator) -> dict[str, Any]:
    """The whole state as the simulator reads it (not through `simulators.snapshot`)."""
    kodes = [t.kode for t in sim.tenants.all()]
    with sim.store.read() as tx:
        ledger = (
            [a for k in kodes for a in tx.accounts_page(k, None, ALL)],
            [c for k in kodes for c in tx.claims_page(k, None, ALL)],
            tx.events(after=0, limit=ALL),
        )
        jobs = tx.jobs(None, ALL)
        overrides = tx.tenant_overrides()
        repo = TimeRepo(tx, write=False)
        callbacks = (repo.batches(limit=ALL), repo.attempts(limit=ALL))
        calls = [
            tuple(r.values()) if isinstance(r, dict) else tuple(r)
            for r in tx.sql().execute(
                "SELECT kommunekode, service, user_system, call_id, operation, digest, answer"
                " FROM call_ids ORDER BY id"
            )
        ]
    rules = [(r.id, r.kind, r.kommunekode, r.remaining, r.fired) for r in sim.faults.rules()]
    return {
        "ledger": hashlib.sha256(repr(ledger).encode()).hexdigest(),
        "counts": [len(part) for part in ledger],
        "jobs": jobs,
        "clock": sim.clock.as_dict(),
        "tenants": overrides,
        "faults": rules,
        "callbacks": callbacks,
        "calls": calls,
    }


RAW_SKIP = frozenset(
    {"journal", "sqlite_sequence", "sqlite_stat1", "meta", "time_meta", "fault_state"}
)
"""Left out of the raw checksum: what a load renews on purpose (instance id, the fault
rule set's generation) or keeps (the journal)."""


def raw_checksum(sim: Simulator) -> str | None:
    """A checksum over the raw rows of every table (SQLite only; None on PostgreSQL)."""
    if not isinstance(sim.store, SqliteStore):
        return None
    return sqlite_checksum(sim.store.path, RAW_SKIP)


def build_state(client: FlaskClient, sim: Simulator, kode: str, tag: str) -> None:
    """Claims over SOAP (call ids recorded) and the ledger, a tenant override, a counted
    fault rule fired once (in place of any rules before), and a day of jobs."""
    assert client.delete("/admin/faults").status_code == 200
    for i, cpr in enumerate(CPRS):
        status, _ = call(client, sim, kode, f"{tag}-call-{i}", opret(kode, f"{tag}-F{i}", cpr), REG)
        assert status == 200
    sim.ledger.opret_fordring(fordring(f"{tag}-L1", 7000, kommunekode=kode, cpr=CPRS[0]))
    r = client.patch(
        f"/admin/tenants/{kode}", json={"callback_url": f"http://127.0.0.1:9/{tag}/callback"}
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/admin/faults",
        json={"kind": "business_fault", "fejlkode": "TjenesteUtilgaengelig", "count": 2},
    )
    assert r.status_code == 201, r.text
    status, body = call(client, sim, kode, f"{tag}-faulted", opret(kode, f"{tag}-X", CPRS[1]), REG)
    assert (status, fejlkode(body)) == (500, "TjenesteUtilgaengelig")
    assert client.post("/admin/clock", json={"advance": "P1D"}).status_code == 200


def test_round_trip_restores_the_saved_state_exactly(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    build_state(client, sim, kode, "A")
    r = client.get("/admin/snapshot")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    document = r.get_json()
    assert (document["format"], document["version"]) == ("debitorsim-snapshot", 1)
    saved, saved_raw = observed(sim), raw_checksum(sim)
    assert saved["counts"][1] >= 4 and saved["jobs"] and saved["calls"] and saved["tenants"]
    assert [(f[3], f[4]) for f in saved["faults"]] == [(1, 1)]

    # Everything changes: more claims, another day, other overrides and rules, a new mode.
    build_state(client, sim, kode, "B")
    client.delete("/admin/faults")
    r = client.post("/admin/faults", json={"kind": "latency", "fixed_ms": 5, "kommunekode": "851"})
    assert r.status_code == 201, r.text
    client.post("/admin/clock", json={"mode": "accelerated", "factor": 60})
    assert observed(sim) != saved

    r = client.put("/admin/snapshot", json=document)
    assert r.status_code == 200, r.text
    assert r.get_json()["rows"]["claims"] == saved["counts"][1]
    assert observed(sim) == saved
    assert raw_checksum(sim) == saved_raw
    again = client.get("/admin/snapshot").get_json()
    assert {**again, "saved_at": None} == {**document, "saved_at": None}
    # Without its digest (written by hand) every row is read back first: same state.
    build_state(client, sim, kode, "C")
    unsealed = {k: v for k, v in document.items() if k != "digest"}
    assert client.put("/admin/snapshot", json=unsealed).status_code == 200
    assert observed(sim) == saved


def test_the_accounts_totals_are_not_saved_but_counted_from_the_claims_on_load(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    build_state(client, sim, kode, "A")
    sim.ledger.daekning(kode, "A-L1", 1500, model.Betalingsmiddel.KORT)
    document = client.get("/admin/snapshot").get_json()
    accounts = document["tables"]["accounts"]
    assert "owed" not in accounts["columns"]  # the store's own bookkeeping (accounts.owed)
    saved = owed_by_account(sim)
    assert saved and any(saved.values()), saved
    # Totals in a document written by hand are not taken: they are counted from its claims.
    forged = {
        "columns": [*accounts["columns"], "owed"],
        "rows": [[*row, 123] for row in accounts["rows"]],
    }
    unsealed = {k: v for k, v in document.items() if k != "digest"}
    unsealed["tables"] = {**document["tables"], "accounts": forged}
    build_state(client, sim, kode, "B")
    for doc in (document, unsealed):
        r = client.put("/admin/snapshot", json=doc)
        assert r.status_code == 200, r.text
        assert owed_by_account(sim) == saved


def owed_by_account(sim: Simulator) -> dict[str, int]:
    """Every account's kept total (`account_owed`), checked against its claims' balances."""
    out = {}
    with sim.store.read() as tx:
        for t in sim.tenants.all():
            for account in tx.accounts_page(t.kode, None, ALL):
                owed = tx.account_owed(account.nummer)
                claims = tx.claims_of_account(account.nummer)
                assert owed == sum(c.saldo for c in claims), account.nummer
                out[account.nummer] = owed
    return out


def test_activity_after_a_load_continues_with_fresh_ids_and_due_jobs(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    build_state(client, sim, kode, "A")
    document = client.get("/admin/snapshot").get_json()
    saved = observed(sim)
    build_state(client, sim, kode, "B")
    seen_ids = {e.event_id for e in sim.ledger.events(limit=ALL)}
    assert client.put("/admin/snapshot", json=document).status_code == 200

    # The counted fault rule has its one remaining call left, then none.
    status, body = call(client, sim, kode, "C-1", opret(kode, "C-1", CPRS[2]), REG)
    assert fejlkode(body) == "TjenesteUtilgaengelig"
    # A call id used before the save answers as recorded (nothing changes); one used only
    # after the save is free again.
    status, _ = call(client, sim, kode, "A-call-0", opret(kode, "A-F0", CPRS[0]), REG)
    assert status == 200
    status, body = call(client, sim, kode, "A-call-0", opret(kode, "other", CPRS[0]), REG)
    assert fejlkode(body) == "KaldIdAlleredeBrugt"
    assert observed(sim)["counts"] == saved["counts"]
    status, _ = call(client, sim, kode, "B-call-0", opret(kode, "B-F0", CPRS[0]), REG)
    assert status == 200
    status, body = call(client, sim, kode, "C-2", opret(kode, "C-2", CPRS[2]), REG)
    assert status == 200, body
    assert observed(sim)["counts"][1] == saved["counts"][1] + 2

    events = sim.ledger.events(limit=ALL)
    new = [e for e in events if e.seq > saved["counts"][2] and e.fordring_id in ("B-F0", "C-2")]
    assert new and all(e.event_id not in seen_ids for e in new)
    assert len({e.event_id for e in events}) == len(events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    invariant_holds(sim, kode)

    pending = sim.scheduler.jobs("pending", ALL)
    assert pending, "the snapshot holds jobs still to run"
    due = max(j.due for j in pending)
    runs = sim.set_time(due)
    assert {run.job_id for run in runs} >= {j.id for j in pending}
    assert not any(j.due <= due for j in sim.scheduler.jobs("pending", ALL))


def test_a_refused_snapshot_changes_nothing(client: FlaskClient, sim: Simulator, kode: str) -> None:
    build_state(client, sim, kode, "A")
    document = client.get("/admin/snapshot").get_json()
    build_state(client, sim, kode, "B")
    before, before_raw = observed(sim), raw_checksum(sim)

    def refused(doc: Any, *words: str) -> None:
        r = client.put("/admin/snapshot", json=doc)
        assert r.status_code == 400, r.text
        message = r.get_json()["error"]
        assert all(w in message for w in words), message
        assert "\n" not in message

    refused({"format": "wiremock", "version": 1}, "not a debitorsim snapshot")
    refused({**document, "version": 2}, "version 2 is newer", "up to 1")
    refused({**document, "version": "1"}, "positive integer")
    refused([1, 2], "JSON object")
    tables = document["tables"]
    refused({**document, "tables": {**tables, "wallets": tables["jobs"]}}, "unknown table")
    claims = tables["claims"]
    bad_column = {"columns": [*claims["columns"][:-1], "colour"], "rows": claims["rows"]}
    refused({**document, "tables": {**tables, "claims": bad_column}}, "unknown column", "colour")
    # Rows that break only at the end: a claim on no account, a status no one can read.
    orphan = [row[:] for row in claims["rows"]]
    orphan[-1][claims["columns"].index("konto")] = f"{kode}-99999999"
    refused({**document, "tables": {**tables, "claims": {**claims, "rows": orphan}}}, "do not fit")
    odd = [row[:] for row in claims["rows"]]
    odd[-1][claims["columns"].index("status")] = "Forsvundet"
    refused({**document, "tables": {**tables, "claims": {**claims, "rows": odd}}}, "cannot read")
    for value, words in ((50.5, "an integer"), (True, "an integer"), (2**70, "do not fit")):
        amounts = [row[:] for row in claims["rows"]]
        amounts[0][claims["columns"].index("hovedstol")] = value
        refused({**document, "tables": {**tables, "claims": {**claims, "rows": amounts}}}, words)
    overrides = {**tables["tenant_overrides"], "rows": [[kode, json.dumps({"system": "sap"})]]}
    refused({**document, "tables": {**tables, "tenant_overrides": overrides}}, "tenant_overrides")
    r = client.put("/admin/snapshot", data="{not json", content_type="application/json")
    assert r.status_code == 400 and "JSON object" in r.get_json()["error"]

    assert observed(sim) == before
    assert raw_checksum(sim) == before_raw
    assert sim.tenants.get(kode).callback_url == "http://127.0.0.1:9/B/callback"  # type: ignore[union-attr]


def test_the_snapshot_covers_every_table_of_the_store(client: FlaskClient, sim: Simulator) -> None:
    client.post("/betaling/101/login", data={"cpr": CPRS[0]})  # the sessions table exists
    with sim.store.read() as tx:
        present = {
            name
            for name in (
                *(t.name for t in snapshot.TABLES),
                *snapshot.NOT_SAVED,
                "payment_sessions",
            )
            if tx.has_table(name)
        }
    if isinstance(sim.store, SqliteStore):
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:  # PostgreSQL: the tables of the store's schema
        query = (
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'sim'"
        )
    with sim.store.read() as tx:
        every = {str(row["name"]) for row in tx.sql().execute(query)}
    assert every - {"sqlite_sequence", "sqlite_stat1"} == present
    assert {t.name for t in snapshot.TABLES} <= present
    assert not {t.name for t in snapshot.TABLES} & set(snapshot.NOT_SAVED)


def test_journal_is_kept_or_emptied_and_sessions_are_dropped(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    build_state(client, sim, kode, "A")
    document = client.get("/admin/snapshot").get_json()
    assert "journal" not in document["tables"]
    sim.journal.flush()
    journal = len(sim.journal.query(limit=1000))
    assert journal > 0
    browser = client.application.test_client()
    r = browser.post(f"/betaling/{kode}/login", data={"cpr": CPRS[0]}, follow_redirects=True)
    assert r.status_code == 200
    assert "A-F0" in browser.get(f"/betaling/{kode}/oversigt").text
    assert client.put("/admin/snapshot", json=document).status_code == 200
    assert len(sim.journal.query(limit=1000)) == journal  # kept (the PUT is no SOAP call)
    assert "A-F0" not in browser.get(f"/betaling/{kode}/oversigt").text  # logged out
    r = client.put("/admin/snapshot?clear_journal=true", json=document)
    assert r.status_code == 200 and r.get_json()["journal"] == "emptied"
    assert sim.journal.query(limit=1000) == []
    r = client.put("/admin/snapshot?clear_journal=maybe", json=document)
    assert r.status_code == 400


def test_snapshot_admin_is_guarded_like_the_other_admin_writes(sim_config: SimConfig) -> None:
    config = SimConfig(
        data_dir=sim_config.data_dir,
        database_url=sim_config.database_url,
        synchronous="OFF",
        admin_token="s3cret",
    )
    app = create_app(config)
    try:
        client = app.test_client()
        assert client.get("/admin/snapshot").status_code == 401
        assert client.put("/admin/snapshot", json={}).status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        document = client.get("/admin/snapshot", headers=auth).get_json()
        r = client.put(
            "/admin/snapshot", json=document, headers={**auth, "Origin": "http://evil.example"}
        )
        assert r.status_code == 403
        assert client.put("/admin/snapshot", json=document, headers=auth).status_code == 200
    finally:
        simulator_of(app).close()


def test_cli_saves_and_loads_a_running_simulator(
    app: Flask, sim: Simulator, kode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_state(app.test_client(), sim, kode, "A")
    saved = observed(sim)
    file = tmp_path / "national.json"
    with ServerThread(app) as server:
        url = server.base_url
        assert cli.main(["snapshot", "save", str(file), "--sim-url", url]) == 0
        out = capsys.readouterr().out
        counts = saved["counts"]
        assert out.startswith(
            f"saved {file} from {url}: {counts[0]} accounts, {counts[1]} claims, "
            f"{counts[2]} events, {len(saved['jobs'])} jobs, 1 fault rules; "
            f"clock {saved['clock']['now']} (frozen)"
        ), out
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert json.loads(file.read_text())["format"] == "debitorsim-snapshot"
        requests.post(f"{url}/admin/clock", json={"advance": "P3D"}, timeout=30)
        sim.ledger.opret_fordring(fordring("later", kommunekode=kode))
        assert observed(sim) != saved

        assert cli.main(["snapshot", "load", str(file), "--sim-url", url]) == 0
        assert "loaded" in capsys.readouterr().out
        assert observed(sim) == saved

        pretty = tmp_path / "pretty.json"
        assert cli.main(["snapshot", "save", str(pretty), "--pretty", "--sim-url", url]) == 0
        assert json.loads(pretty.read_text()) | {"saved_at": 0} == json.loads(file.read_text()) | {
            "saved_at": 0
        }
        assert pretty.read_text().count("\n") > saved["counts"][1]

        newer = tmp_path / "newer.json"
        newer.write_text(json.dumps({**json.loads(file.read_text()), "version": 9}))
        other = tmp_path / "other.json"
        other.write_text("<xml/>")
        for bad, words in ((newer, "version 9 is newer"), (other, "not JSON")):
            capsys.readouterr()
            assert cli.main(["snapshot", "load", str(bad), "--sim-url", url]) == 2
            err = capsys.readouterr().err.strip()
            assert err.startswith(f"debitorsim snapshot: {bad}") and words in err
            assert "\n" not in err
        # The simulator's own refusal (rows that do not fit) is exit 2 as well.
        broken = json.loads(file.read_text())
        broken["tables"]["claims"]["rows"][0][
            broken["tables"]["claims"]["columns"].index("konto")
        ] = "x"
        other.write_text(json.dumps(broken))
        assert cli.main(["snapshot", "load", str(other), "--sim-url", url]) == 2
        assert "HTTP 400" in capsys.readouterr().err
        assert observed(sim) == saved
    assert cli.main(["snapshot", "save", str(file), "--sim-url", url]) == 1
    assert "not running" in capsys.readouterr().err


def test_a_rule_id_loaded_with_another_rule_applies_the_loaded_rule(
    client: FlaskClient, sim: Simulator, kode: str
) -> None:
    latency = {"kind": "latency", "fixed_ms": 1}
    assert client.post("/admin/faults", json=latency).get_json()["id"] == 1
    first = client.get("/admin/snapshot").get_json()
    client.delete("/admin/faults/1")
    refusal = {"kind": "business_fault", "fejlkode": "TjenesteUtilgaengelig"}
    assert client.post("/admin/faults", json=refusal).get_json()["id"] == 2
    rules = client.get("/admin/snapshot").get_json()["tables"]["fault_rules"]
    rules["rows"][0][rules["columns"].index("id")] = 1
    second = {**first, "tables": {**first["tables"], "fault_rules": rules}}

    assert client.put("/admin/snapshot", json=first).status_code == 200
    status, _ = call(client, sim, kode, "c-1", opret(kode, "F1", CPRS[0]), REG)
    assert status == 200  # only slowed down (and rule 1 is now built in this process)
    assert client.put("/admin/snapshot", json=second).status_code == 200
    status, body = call(client, sim, kode, "c-2", opret(kode, "F2", CPRS[0]), REG)
    assert (status, fejlkode(body)) == (500, "TjenesteUtilgaengelig")
    assert [r["kind"] for r in client.get("/admin/faults").get_json()["rules"]] == [
        "business_fault"
    ]


def test_a_fresh_simulator_loads_a_snapshot_and_runs_on_from_it(
    client: FlaskClient, sim: Simulator, kode: str, other_config: SimConfig
) -> None:
    build_state(client, sim, kode, "A")
    build_state(client, sim, kode, "B")  # ids well past a fresh database's
    document = client.get("/admin/snapshot").get_json()
    saved = observed(sim)
    fresh_app = create_app(other_config)
    try:
        fresh, other = simulator_of(fresh_app), fresh_app.test_client()
        assert other.put("/admin/snapshot", json=document).status_code == 200
        assert observed(fresh) == saved
        top = max(j.id for j in saved["jobs"])
        build_state(other, fresh, kode, "C")  # new rows in every generated-id table
        assert other.post("/admin/clock", json={"advance": "P3D"}).status_code == 200
        jobs = fresh.scheduler.jobs(None, ALL)
        assert [j.id for j in jobs if j.id > top]
        assert len({j.id for j in jobs}) == len(jobs)
        invariant_holds(fresh, kode)
    finally:
        fresh.close()


def test_a_clock_handed_in_from_outside_is_set_as_well(sim_config: SimConfig) -> None:
    shared = VirtualClock()
    config = SimConfig(
        data_dir=sim_config.data_dir,
        database_url=sim_config.database_url,
        synchronous="OFF",
        clock=shared,
    )
    app = create_app(config)
    try:
        client = app.test_client()
        client.post("/admin/clock", json={"set": "2026-04-01T10:00:00"})
        document = client.get("/admin/snapshot").get_json()
        client.post("/admin/clock", json={"advance": "P10D"})
        client.post("/admin/clock", json={"mode": "accelerated", "factor": 60})
        assert client.put("/admin/snapshot", json=document).status_code == 200
        assert (shared.now().isoformat(), str(shared.mode)) == (
            "2026-04-01T10:00:00+02:00",
            "frozen",
        )
    finally:
        simulator_of(app).close()
