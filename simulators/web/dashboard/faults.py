"""``/fejl``: set and clear injected faults and maintenance windows from a form."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from oeir.faults import CATALOGUE
from oeir.services import SERVICES
from simulators.faults import KINDS, FaultRuleError
from simulators.web.context import faults, simulator
from simulators.web.dashboard.base import bp, page
from simulators.web.dashboard.fault_texts import danish_error


def rule_from_form(form: Any) -> dict[str, Any]:
    """A fault rule definition (as the fault admin API takes it) from the dashboard's form."""
    data: dict[str, Any] = {"kind": form.get("kind", "")}
    for key in ("kommunekode", "operation", "description", "fejlkode", "felt", "start", "end"):
        value = (form.get(key) or "").strip()
        if value:
            data[key] = value
    for key, kind in (
        ("probability", float),
        ("count", int),
        ("seed", int),
        ("fixed_ms", float),
        ("retry_after_s", int),
    ):
        raw = (form.get(key) or "").strip().replace(",", ".")
        if raw:
            try:
                data[key] = kind(raw)
            except ValueError:
                data[key] = raw  # the rule parser names the field in its refusal
    if data["kind"] == "maintenance":
        days = [int(d) for d in form.getlist("weekdays") if d.isdigit()]
        if days:
            data["weekdays"] = days
    return data


def _back(besked: str) -> Response:
    return redirect(url_for("dashboard.faults_page", besked=besked), code=303)  # type: ignore[return-value]


@bp.get("/fejl")
def faults_page() -> Response:
    """The active rules and the form for a new one."""
    operations = sorted({name for svc in SERVICES.values() for name in svc.operations})
    return page(
        "fejl.html",
        rules=faults().rules(),
        kinds=sorted(KINDS),
        fejlkoder=sorted(CATALOGUE),
        operations=operations,
        tenants=simulator().tenants.all(),
        besked=request.args.get("besked"),
    )


@bp.post("/fejl")
def faults_add() -> Response:
    """Add a rule from the form (a refusal says why, in Danish)."""
    try:
        rule = faults().add(rule_from_form(request.form))
    except FaultRuleError as exc:
        return _back(f"Afvist: {danish_error(str(exc))}")
    return _back(f"Regel {rule.id} sat.")


@bp.post("/fejl/<int:rule_id>/slet")
def faults_delete(rule_id: int) -> Response:
    """Remove one rule."""
    done = faults().delete(rule_id)
    return _back(f"Regel {rule_id} fjernet." if done else f"Regel {rule_id} fandtes ikke.")


@bp.post("/fejl/ryd")
def faults_clear() -> Response:
    """Remove every rule."""
    return _back(f"{faults().clear()} regler fjernet.")
