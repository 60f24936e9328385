"""Reconciliation (afstemning): FBS's open fees against the debtor system's view."""

from integration.reconcile.compare import Difference, Report, compare, fetch_debtor_view, reconcile
from integration.reconcile.html import render_html

__all__ = ["Difference", "Report", "compare", "fetch_debtor_view", "reconcile", "render_html"]
