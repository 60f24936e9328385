"""`debitorsim load` against an address where nothing answers: one line, no Locust run."""

from __future__ import annotations

from pathlib import Path

import pytest

from debitorsim.cli import main


def test_load_host_where_nothing_answers_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["load", "--host", "http://127.0.0.1:9", "--reports", str(tmp_path)]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing answers at http://127.0.0.1:9 (--host)" in err[0]
    assert not (tmp_path / "load-smoke.html").exists()
