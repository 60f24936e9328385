"""Fault injection: make the simulated Serviceplatformen misbehave, on request and reproducibly.

- `rules`: the rule model (kinds, scope, trigger) and its validation;
- `injector`: `FaultInjector`, the rule list and the decision per call or callback;
- `local`: the rule table in memory, for an injector without a simulator store.
The web side applies the decisions: `simulators.web.fault_middleware` on the SOAP
endpoints, `simulators.web.fault_admin` for the ``/admin/faults`` endpoints, both
wired by `simulators.create_app`. See docs/faults.md.
"""

from __future__ import annotations

from simulators.faults.injector import CallbackPlan, Decision, FaultInjector
from simulators.faults.rules import KINDS, FaultRule, FaultRuleError, parse_rule

__all__ = [
    "KINDS",
    "CallbackPlan",
    "Decision",
    "FaultInjector",
    "FaultRule",
    "FaultRuleError",
    "parse_rule",
]
