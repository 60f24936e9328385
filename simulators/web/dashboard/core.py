"""What the dashboard shows of the integration core: its parked outbox messages, over HTTP.

The simulator cannot read the core's store (they meet only over HTTP), so a page asks
the core's harness (``/harness/outbox``).
"""

from __future__ import annotations

from typing import Any

import requests

from simulators.web.dashboard.base import core_url

CORE_TIMEOUT_S = 2.0
"""How long a page waits for the core's outbox counts before saying they are not known."""


def core_parked(kode: str | None) -> dict[str, Any]:
    """Parked outbox messages in the core (all, or of one municipality), asked over HTTP.

    The answer says ``known: False`` and why when no core URL is set or the core does
    not answer; a count that may be cut off by the listing's limit is marked
    ``at_least``, so the page never shows a false number.
    """
    base = core_url()
    if base is None:
        return {"known": False, "why": "kernens adresse er ikke sat (SimConfig.core_url)"}
    limit = 10_000  # the harness's largest page
    try:
        r = requests.get(
            f"{base}/harness/outbox",
            params={"state": "parked", "limit": str(limit)},
            timeout=CORE_TIMEOUT_S,
        )
    except requests.RequestException:
        return {"known": False, "why": "kernen svarer ikke på sin adresse (SimConfig.core_url)"}
    if r.status_code != 200:
        return {"known": False, "why": f"kernen svarede HTTP {r.status_code}"}
    try:
        data = r.json()
        total = int(data["counts"]["parked"])
        messages = list(data["messages"])
    except (ValueError, KeyError, TypeError):
        return {"known": False, "why": "kernens svar kunne ikke læses"}
    if kode is None:
        return {"known": True, "count": total, "at_least": False, "url": f"{base}/harness/outbox"}
    mine = sum(1 for m in messages if isinstance(m, dict) and m.get("kommunekode") == kode)
    return {
        "known": True,
        "count": mine,
        "at_least": len(messages) < total,
        "url": f"{base}/harness/outbox?state=parked",
    }
