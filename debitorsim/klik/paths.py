"""Where the feature files live: ``features/`` beside the step definitions (package data)."""

from pathlib import Path

FEATURES = Path(__file__).resolve().parent / "features"


def feature(name: str) -> str:
    """The absolute path of a feature file."""
    return str(FEATURES / name)
