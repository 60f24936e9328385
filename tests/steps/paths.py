"""Where the feature files live."""

from pathlib import Path

FEATURES = Path(__file__).resolve().parents[2] / "features"


def feature(name: str) -> str:
    """The absolute path of a feature file."""
    return str(FEATURES / name)
