"""Where `simulators.store.time` was: its names, for the callers not yet moved to it."""

from simulators.store.time import Attempt, Batch, Mark, TimeRepo

__all__ = ["Attempt", "Batch", "Mark", "TimeRepo"]
