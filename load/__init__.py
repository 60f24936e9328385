"""Load suites (Locust), the pass/fail gate and the benchmarks of the test bed.

Importing this package does not import Locust: only the profile files do.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def users_file(profile: str) -> Path:
    """The Locust file of a profile (``smoke``, ``national``, ``stress``)."""
    path = HERE / f"{profile}.py"
    if not path.is_file():
        raise ValueError(f"no load profile {profile!r}")
    return path
