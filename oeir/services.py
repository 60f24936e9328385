"""The four SF1590_B services: their paths on Serviceplatformen and their operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from oeir import model
from oeir.namespaces import OEIR
from oeir.schema import SCHEMA_DIR


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: request and response classes, and its SOAPAction."""

    name: str
    request: type
    response: type

    @property
    def soap_action(self) -> str:
        """The SOAPAction HTTP header value for this operation."""
        return f"{OEIR}:{self.name}"


@dataclass(frozen=True, slots=True)
class Service:
    """One service as Serviceplatformen publishes it."""

    name: str
    direction: str
    operations: dict[str, Operation] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The ASCII URL path on Serviceplatformen, e.g. ``/service/OIR/DebitorForespoergsel/1``."""
        return f"/service/OIR/{self.name}/1"

    @property
    def wsdl_file(self) -> Path:
        """The shipped WSDL file of this service."""
        return SCHEMA_DIR / f"{self.name}.wsdl"

    def operation_for(self, request_element_name: str) -> Operation | None:
        """The operation whose request element has this local name."""
        return self.operations.get(request_element_name)


def _service(name: str, direction: str, *ops: tuple[type, type]) -> Service:
    return Service(
        name, direction, {req.__name__: Operation(req.__name__, req, res) for req, res in ops}
    )


DEBITOR_REGISTRERING = _service(
    "DebitorRegistreringAfsend",
    "FBS -> debitorsystem",
    (model.OpretDebitorkonto, model.OpretDebitorkontoSvar),
    (model.OpretFordring, model.OpretFordringSvar),
    (model.NedskrivFordring, model.NedskrivFordringSvar),
    (model.AnnullerFordring, model.AnnullerFordringSvar),
    (model.SkiftHaefter, model.SkiftHaefterSvar),
)
DAEKNING_AFSKRIVNING = _service(
    "DaekningAfskrivningRegistreringAfsend",
    "debitorsystem -> FBS",
    (model.RegistrerDaekningAfskrivning, model.RegistrerDaekningAfskrivningSvar),
)
DEBITOR_FORESPOERGSEL = _service(
    "DebitorForespoergsel",
    "FBS -> debitorsystem",
    (model.HentDebitorkonto, model.HentDebitorkontoSvar),
    (model.SoegDebitorkonti, model.SoegDebitorkontiSvar),
)
DEBITOR_INDBETALING = _service(
    "DebitorIndbetalingAfsend",
    "betaler -> debitorsystem",
    (model.SoegDelfordringTilIndbetaling, model.SoegDelfordringTilIndbetalingSvar),
    (model.ForetagIndbetaling, model.ForetagIndbetalingSvar),
)

SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        DEBITOR_REGISTRERING,
        DAEKNING_AFSKRIVNING,
        DEBITOR_FORESPOERGSEL,
        DEBITOR_INDBETALING,
    )
}
"""All four services by name."""
