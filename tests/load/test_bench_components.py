"""The per-component CPU breakdown of OpretFordring (load.bench.components): it runs, names
the components, counts the SQL, and leaves the app as it found it. No timing is asserted."""

from __future__ import annotations

from load.bench import components as bench_components
from oeir import schema
from simulators.ledger.ledger import Ledger


def test_the_breakdown_names_each_component_and_counts_the_sql() -> None:
    result = bench_components.in_process(calls=12, claims_per_account=2)
    parts = result["components_us"]
    for name in (
        "xml: safe parse",
        "xsd: validation",
        "codec: decode",
        "ledger: logic",
        "replay: call-id record",
        "sql: COMMIT",
        "sql: INSERT claims",
        "journal: record (queue)",
        "soap: response envelope",
    ):
        assert name in parts, name
    assert result["sql_statements_per_call"] >= 10
    assert result["total_cpu_us"] > 0 and all(v >= 0 for v in parts.values())
    # the wrappers are gone again
    assert not hasattr(schema.Schemas.validate, "__wrapped__")
    assert not hasattr(schema.Schemas.envelope_valid, "__wrapped__")
    assert not hasattr(Ledger.opret_fordring, "__wrapped__")


def test_rows_for_the_bench_table() -> None:
    inner = {
        "claims_per_account": 150,
        "total_cpu_us": 1234.5,
        "sql_statements_per_call": 18.0,
        "sql_us": 400.0,
        "components_us": {"store: row decode": 500.0, "sql: COMMIT": 120.0},
    }
    serving = {k: {"cpu_us_per_request": v} for k, v in (("static_wsgi", 150), ("flask_lxml", 300))}
    serving["opret_fordring"] = {"cpu_us_per_request": 1900}
    rows = bench_components.rows(
        {
            "in_process": inner,
            "in_process_empty_accounts": {**inner, "claims_per_account": 0},
            "serving": serving,
        }
    )
    assert rows[0] == (
        "server CPU per OpretFordring (gunicorn)",
        "1900 µs; static WSGI 150 µs, Flask+lxml 300 µs",
    )
    assert rows[1][0] == "app CPU per OpretFordring, 150 claims/account"
    assert rows[1][1].startswith("1234 µs (18 SQL 400 µs); store: row decode 500")
    assert rows[2][0] == "app CPU per OpretFordring, new accounts"
    assert bench_components.rows({"skipped": "wrk missing"})[0][1] == "skipped: wrk missing"
