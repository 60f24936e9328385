"""The readiness report (``readiness.html``) of a KLIK scenario run."""

from debitorsim.report.readiness import Run, load_run, render, write

__all__ = ["Run", "load_run", "render", "write"]
