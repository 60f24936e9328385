"""Build a `CoreConfig` from command-line style options (shared by the debitorsim commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integration.config import DEFAULT_SP_URL, CoreConfig, load_config

DB_FILE = "core.sqlite3"
"""The core's SQLite file in a data directory (the same name `debitorsim up` uses)."""
DATA_DIR = ".debitorsim"
"""The data directory every debitorsim command uses by default."""


def config_from_options(
    *,
    data_dir: str | Path | None = None,
    sp_url: str | None = None,
    config_file: str | Path | None = None,
    **overrides: Any,
) -> CoreConfig:
    """A config from an optional TOML/JSON file, a data directory and an SP URL (these win)."""
    extra: dict[str, Any] = dict(overrides)
    if data_dir is not None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        extra["db_path"] = str(Path(data_dir) / DB_FILE)
    if sp_url is not None:
        extra["sp_url"] = sp_url
    if config_file is not None:
        return load_config(config_file, **extra)
    extra.setdefault("sp_url", DEFAULT_SP_URL)
    return CoreConfig(**extra)
