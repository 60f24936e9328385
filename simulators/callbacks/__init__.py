"""Callbacks to FBS (`DaekningAfskrivningRegistreringAfsend`): batching, delivery, retry, log."""

from simulators.callbacks.events import REPORTED, haendelse
from simulators.callbacks.pipeline import CallbackPipeline

__all__ = ["REPORTED", "CallbackPipeline", "haendelse"]
