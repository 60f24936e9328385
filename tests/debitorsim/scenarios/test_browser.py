"""readiness.html rendered by a real headless Chromium: a screenshot that is not blank."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.debitorsim.scenarios.conftest import Run

CHROMIUM = Path("/usr/bin/chromium")


def png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (filtered) scanlines of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install chromium)"
)
def test_readiness_report_renders_in_headless_chromium(eg_run: Run, tmp_path: Path) -> None:
    page = eg_run.report / "readiness.html"
    shot = tmp_path / "readiness.png"
    home = tmp_path / "home"  # Chromium writes a profile; keep it out of the real home
    home.mkdir()
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={home}",
            "--window-size=1280,1800",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert shot.exists(), proc.stderr[-2000:]
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 1800)
    # Not blank: a page of text, tables and timelines has many distinct byte values and
    # a good share of non-white pixels.
    assert len(set(pixels)) > 50
    non_white = sum(1 for b in pixels[::7] if b < 200) / len(pixels[::7])
    assert non_white > 0.01, non_white
    keep = Path(shutil.copy(shot, tmp_path / "kept.png"))
    assert keep.stat().st_size > 10_000
