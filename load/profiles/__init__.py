"""The Locust load profiles (`smoke`, `national`, `stress`) and what they share.

Importing this package does not import Locust: only the profile files and `users` do.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def users_file(profile: str) -> Path:
    """The Locust file of a profile (``smoke``, ``national``, ``stress``)."""
    path = HERE / f"{profile}.py"
    if profile in ("__init__", "users", "gate", "weights") or not path.is_file():
        raise ValueError(f"no load profile {profile!r}")
    return path
