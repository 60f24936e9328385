"""A whole test bed (simulator + core, one virtual clock) on free loopback ports, for CLI tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from debitorsim.testbed import Testbed, TestbedConfig


class Bed:
    """A running test bed and a session that speaks to both sides."""

    def __init__(self, testbed: Testbed) -> None:
        self.testbed = testbed
        self.http = requests.Session()
        self.http.trust_env = False

    @property
    def sim_url(self) -> str:
        """The simulator's base URL."""
        return self.testbed.sim_url

    @property
    def core_url(self) -> str:
        """The core's base URL."""
        return self.testbed.core_url

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        """The simulator's admin API (2xx asserted)."""
        r = self.http.request(method, f"{self.sim_url}/admin{path}", timeout=30, **kw)
        assert r.status_code < 300, (path, r.status_code, r.text[:300])
        return r.json()

    def harness(self, method: str, path: str, **kw: Any) -> Any:
        """The core's harness (2xx asserted)."""
        r = self.http.request(method, f"{self.core_url}/harness{path}", timeout=30, **kw)
        assert r.status_code < 300, (path, r.status_code, r.text[:300])
        return r.json()

    def create_fee(self, kode: str, cpr: str, amount: int) -> dict[str, Any]:
        """A fee in kroner for a patron with this CPR number, through the FBS harness."""
        return self.harness(
            "POST",
            "/fees",
            json={
                "agencyId": f"DK-7{kode}00",
                "type": "fee",
                "reasonMessage": "Gebyr (for sent)",
                "amount": amount,
                "patron": {"cpr": cpr, "name": "Ane Testsen"},
                "materials": [
                    {"materialItemNumber": "3846990827", "recordId": "870970-basis:29630364"}
                ],
            },
        )


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[Bed]:
    """A test bed like `debitorsim up` runs, in this process; the worker is drained by hand."""
    with Testbed(TestbedConfig(data_dir=tmp_path / "bed")) as testbed:
        yield Bed(testbed)
