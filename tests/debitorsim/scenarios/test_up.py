"""`debitorsim up` as a real process: it prints its URLs, serves both apps, stops on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import requests


def test_up_prints_urls_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "debitorsim.cli",
            "up",
            "--sim-port",
            "0",
            "--core-port",
            "0",
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # blocks on the pipe until the line comes: no sleeping
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        out = "".join(lines)
        urls = dict(re.findall(r"^\s+(.+?)\s{2,}(http://\S+)$", out, re.M))
        for what in (
            "simulator: admin API",
            "simulator: OpenAPI docs",
            "SOAP DebitorRegistreringAfsend",
            "core: FBS fee API",
            "core: FBS harness (index)",
            "core: OpenAPI docs",
        ):
            assert what in urls, (what, out)
        assert "payment pages (Opus, Prisme 2015)" in urls, out
        assert urls["SOAP DebitorRegistreringAfsend"].endswith("?wsdl")
        assert requests.get(urls["simulator: OpenAPI docs"], timeout=10).json()["openapi"]
        wsdl = requests.get(urls["SOAP DebitorRegistreringAfsend"], timeout=10)
        assert wsdl.status_code == 200 and b"definitions" in wsdl.content
        core_index = requests.get(urls["core: FBS harness (index)"], timeout=10).json()
        assert "feesV2" in core_index
        # The callback URL the simulator has for a municipality is the core's receiver.
        tenant = requests.get(urls["simulator: admin API"] + "tenants/561", timeout=10).json()
        assert tenant["callback_url"].startswith(urls["core: FBS harness (index)"].rstrip("/"))
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "stopped" in rest
        assert (tmp_path / "sim.sqlite3").exists() and (tmp_path / "core.sqlite3").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
