"""`debitorsim reconcile` reconciles the test bed the user runs (acceptance of issue 15)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from debitorsim.cli import main
from oeir import testdata
from tests.debitorsim.conftest import Bed

KODE = "101"


def _reconcile(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(["reconcile", "--kommune", KODE, *args])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def test_reconcile_asks_the_running_core_and_finds_exactly_the_injected_difference(
    bed: Bed, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # a stray ./data folder would show up here
    fees = [bed.create_fee(KODE, cpr, kr) for cpr, kr in (("0101901234", 30), ("0202902345", 45))]
    bed.testbed.drain()
    code, report, err = _reconcile(capsys, "--core-url", bed.core_url)
    assert code == 0, report
    assert (report["fbsClaims"], report["debtorClaims"], report["matched"]) == (2, 2, 2)
    assert report["differences"] == []
    # Dated by the test bed's virtual clock (frozen here), not the wall clock.
    assert report["generatedAt"] == bed.admin("GET", "/clock")["now"]
    assert "0 forskel(le)" in err and "København" in err

    # One discrepancy through the simulator's admin API: a payment slip the debtor system
    # books now, before its callback has told FBS.
    pending = bed.admin(
        "POST",
        "/indbetalingskort",
        json={
            "kommunekode": KODE,
            "fordring_id": fees[0]["fordringId"],
            "beloeb": 1000,
            "indbetaling_id": "OCR-CLI-1",
        },
    )
    bed.admin(
        "POST", "/clock", json={"set": datetime.fromisoformat(pending["bogfoeres"]).isoformat()}
    )
    code, report, err = _reconcile(capsys, "--core-url", bed.core_url)
    assert code == 1
    assert [(d["kind"], d["fordring_id"]) for d in report["differences"]] == [
        ("amount_differs", fees[0]["fordringId"])
    ]
    assert report["matched"] == 1 and "1 forskel(le)" in err
    assert list(cwd.iterdir()) == []


def test_reconcile_html_to_a_file(
    bed: Bed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bed.create_fee(KODE, "0101901234", 30)
    bed.testbed.drain()
    out = tmp_path / "afstemning.html"
    args = ["--core-url", bed.core_url, "--format", "html", "--out", str(out)]
    assert main(["reconcile", "--kommune", KODE, *args]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "0 forskel(le)" in printed
    assert "<html" in out.read_text(encoding="utf-8").lower()


def test_reconcile_reads_ups_store_directly_and_never_creates_one(
    bed: Bed, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake = testdata.faker(15)
    for _ in range(10):
        bed.create_fee(KODE, fake.cpr(), 30)
    bed.testbed.drain()
    direct = ["--data-dir", str(tmp_path / "bed"), "--sp-url", bed.sim_url, "--page-size", "1"]
    code, report, err = _reconcile(capsys, *direct)
    assert code == 0 and report["matched"] == 10
    assert report["generatedAt"] == bed.admin("GET", "/clock")["now"]
    assert "read 10 page(s) of the debtor system, 10 fordring(er)" in err  # progress per page

    empty = tmp_path / "nothing-here"
    assert main(["reconcile", "--kommune", KODE, "--data-dir", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "no core database at" in err and "core.sqlite3" in err
    assert not empty.exists()


def test_reconcile_without_a_running_core_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["reconcile", "--kommune", KODE, "--core-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("debitorsim reconcile: cannot reach http://127.0.0.1:9")
    assert "debitorsim up" in err[-1] and "--core-url" in err[-1]
    assert not any("Traceback" in line for line in err)


def test_reconcile_an_unknown_kommune_says_where_the_list_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["reconcile", "--kommune", "999"]) == 2
    assert "debitorsim kommuner" in capsys.readouterr().err
