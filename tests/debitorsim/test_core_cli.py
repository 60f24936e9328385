"""`debitorsim core-worker --once` and `debitorsim reconcile` on a data directory."""

from __future__ import annotations

import json

import responses

from debitorsim.cli import main
from integration.config import CoreConfig
from integration.core import Core
from integration.settings import config_from_options
from tests.integration.conftest import SP, new_fee
from tests.integration.test_outbox import FakeDebtor, _mock
from tests.integration.test_reconcile import konto, pages, saldo


@responses.activate
def test_worker_once_then_reconcile_json_and_html(tmp_path, fake, capsys):
    config = config_from_options(data_dir=tmp_path, sp_url=SP)
    assert isinstance(config, CoreConfig) and config.db_path == str(tmp_path / "core.sqlite3")
    core = Core.build(config)
    fee = core.service.create_fee(new_fee(fake, 3000, cpr="0101901234"))
    core.close()
    _mock(FakeDebtor())
    assert main(["core-worker", "--data-dir", str(tmp_path), "--sp-url", SP, "--once"]) == 0
    assert "sent 1, retried 0, parked 0" in capsys.readouterr().out

    pages((konto("K1", "0101901234", saldo(fee.fordring_id, 3000)),))
    direct = ["--data-dir", str(tmp_path), "--sp-url", SP, "--clock-url", "system"]
    assert main(["reconcile", "--kommune", "101", *direct]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["matched"] == 1 and report["differences"] == []

    out = tmp_path / "afstemning.html"
    pages(())  # now the debtor system has lost the claim
    code = main(
        [
            "reconcile",
            "--kommune",
            "101",
            *direct,
            "--format",
            "html",
            "--out",
            str(out),
        ]
    )
    assert code == 1
    assert "Mangler i debitorsystemet" in out.read_text(encoding="utf-8")


def test_config_file_rules_and_overrides(tmp_path):
    path = tmp_path / "core.toml"
    path.write_text(
        'sp_url = "http://file"\n[defaults]\ndue_days = 30\n[kommuner."101"]\nmax_text_length = 60\n'
        '[agencies]\n"DK-123456" = "147"\n[outbox]\nbackoff_base_s = 5\n',
        encoding="utf-8",
    )
    config = config_from_options(config_file=path, sp_url="http://cli", data_dir=tmp_path / "d")
    assert config.sp_url == "http://cli"
    assert config.rules("101").max_text_length == 60 and config.rules("101").due_days == 30
    assert config.rules("147").due_days == 30 and config.rules("147").max_text_length == 500
    assert config.kommune_for_agency("DK-123456") == "147"
    assert config.kommune_for_agency("DK-715100") == "151"
    assert config.outbox.backoff_base_s == 5


def test_unknown_rule_in_config_is_an_error(tmp_path):
    import pytest

    path = tmp_path / "core.toml"
    path.write_text("[defaults]\ndue_dayz = 30\n", encoding="utf-8")
    with pytest.raises(ValueError, match="due_dayz"):
        config_from_options(config_file=path)
