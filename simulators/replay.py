"""CallersServiceCallIdentifier: a repeated call gets its first answer and changes nothing.

Every state-changing SOAP call is recorded under its scope (municipality, service and
calling user system) and call id, with a hash of its content and the answer it got, in
the same store transaction as its change to the ledger: a crash leaves both or neither.
Then, for the same scope and call id:

- the same content again: the first answer, verbatim; the ledger is not touched;
- other content: refused with `KaldIdAlleredeBrugt`, nothing changes.

"Content" is the operation and its decoded message (`oeir.codec`), not the bytes: a retry
that is serialised differently (whitespace, namespace prefixes, encoding) is the same call.
The SOAP header is not content: it only routes and authorises the call, and a real
adapter may rebuild it on a retry (UserUUID, AccountingInfo, and in the real
Serviceplatformen timestamps and tokens). A refused call (any SOAP Fault) changes nothing
and is not recorded, so its id stays free. Read-only operations are not recorded.

Records are kept for `SimConfig.call_id_retention` of virtual time and at most
`SimConfig.call_id_max_rows` rows (oldest forgotten first): a look-up sees only those,
and the forgotten rows are deleted in batches (`simulators.store.calls`); see
docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oeir import model, soap
from oeir.faults import OeirFault
from simulators.engine import Simulator
from simulators.ledger.core import digest
from simulators.store.base import CallKey, RecordedCall

READ_ONLY = frozenset({"HentDebitorkonto", "SoegDebitorkonti", "SoegDelfordringTilIndbetaling"})
"""Operations that change nothing: answered fresh every time, never recorded."""


def call_key(header: model.SpHeader, service: str, kommunekode: str) -> CallKey | None:
    """The scope and call id of a call; None when the call has no (or a blank) call id.

    CallersServiceCallIdentifier is optional on Serviceplatformen: a call without one is
    run as it comes and not recorded, so a repeat of it is a new call.
    """
    ic = header.invocation_context
    if not (ic.callers_service_call_identifier or "").strip():
        return None
    return CallKey(
        kommunekode=kommunekode,
        service=service,
        user_system=ic.user_system_uuid,
        call_id=ic.callers_service_call_identifier,
    )


def content_digest(operation: str, message: Any) -> str:
    """The hash of a call's content: its operation and decoded message."""
    # Keys in sorted order: `digest` sorts the fields of dataclasses, not the keys of a dict.
    return digest({"message": message, "operation": operation})


def answer_once(
    sim: Simulator, key: CallKey | None, operation: str, message: Any, run: Callable[[], Any]
) -> bytes:
    """The SOAP answer to a call: `run()`'s, or the first answer recorded under `key`.

    Raises `OeirFault` (`KaldIdAlleredeBrugt`) when `key` was used for other content, and
    whatever `run()` raises (the transaction then rolls back, record included).
    Without a `key` (no call id) the call runs in its own transaction, unrecorded.
    """
    if operation in READ_ONLY:
        return soap.response_envelope(run())
    if key is None:
        with sim.store.transaction():
            return soap.response_envelope(run())
    dig = content_digest(operation, message)
    config = sim.config
    with sim.store.transaction() as tx:
        now = sim.clock.now()
        bounds = (now - config.call_id_retention, config.call_id_max_rows)
        seen = tx.fresh_call(key, *bounds)
        if seen is not None:
            if seen.digest != dig:
                raise OeirFault(
                    seen.operation,
                    kode="KaldIdAlleredeBrugt",
                    felt="InvocationContext/CallersServiceCallIdentifier",
                )
            return seen.answer.encode("utf-8")
        body = soap.response_envelope(run())  # the ledger joins this transaction
        tx.record_call(key, RecordedCall(operation, dig, body.decode("utf-8")), now, bounds)
        return body
