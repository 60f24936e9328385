"""Outgoing messages as stored in the outbox, and how they become SOAP requests.

A new claim is stored as its `Fordring` under the operation ``OpretFordring``;
whether it goes out as `OpretDebitorkonto` (the debtor's first claim in that
municipality) or `OpretFordring` is decided when it is sent, from the account
numbers the debtor system has answered with so far.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from integration.store import Repo
from oeir import codec, model
from oeir.namespaces import OEIR

OPRET = "OpretFordring"
"""Operation name stored for a new claim (sent as OpretDebitorkonto or OpretFordring)."""

_CLASSES: dict[str, type] = {
    OPRET: model.Fordring,
    "NedskrivFordring": model.NedskrivFordring,
    "AnnullerFordring": model.AnnullerFordring,
    "SkiftHaefter": model.SkiftHaefter,
}


def new_msg_id() -> str:
    """A fresh, stable message id (also sent as CallersServiceCallIdentifier)."""
    return uuid.uuid4().hex


def encode_payload(message: Any) -> str:
    """The stored text of a message (its XML element)."""
    return etree.tostring(codec.to_element(message), encoding="unicode")


def decode_payload(operation: str, payload: str) -> Any:
    """The message stored by `encode_payload`."""
    return codec.from_element(_CLASSES[operation], etree.fromstring(payload))


_O = f"{{{OEIR}}}"


@dataclass(frozen=True, slots=True)
class StoredClaim:
    """A new claim as stored, read just enough to route it (no full decode)."""

    xml: str
    ident: str
    agency_id: str

    @classmethod
    def parse(cls, payload: str) -> StoredClaim:
        """Read the debtor's CPR/CVR and the agency out of a stored `Fordring`."""
        el = etree.fromstring(payload)
        ident = el.findtext(f"{_O}Debitor/{_O}CPRNummer") or el.findtext(
            f"{_O}Debitor/{_O}CVRNummer"
        )
        return cls(payload, ident or "", el.findtext(f"{_O}Kreditor/{_O}AgencyId") or "")

    def element(self) -> etree._Element:
        """A fresh `Fordring` element (appending it elsewhere moves it, so never reuse one)."""
        return etree.fromstring(self.xml)


def opret_fordring_element(claim: StoredClaim) -> etree._Element:
    """`OpretFordring` around a stored claim, exactly as `codec.encode` would build it."""
    root = etree.Element(f"{_O}OpretFordring", nsmap={"o": OEIR})
    root.append(claim.element())
    return root


def opret_debitorkonto_element(claims: list[StoredClaim]) -> etree._Element:
    """`OpretDebitorkonto` for one debtor's stored claims (the first claim's Debitor/Kreditor)."""
    fordringer = [c.element() for c in claims]
    root = etree.Element(f"{_O}OpretDebitorkonto", nsmap={"o": OEIR})
    root.append(copy.deepcopy(fordringer[0].find(f"{_O}Debitor")))
    root.append(copy.deepcopy(fordringer[0].find(f"{_O}Kreditor")))
    root.extend(fordringer)
    return root


def enqueue(
    repo: Repo,
    *,
    operation: str,
    message: Any,
    fordring_id: str,
    kommunekode: str,
    now: datetime,
    msg_id: str | None = None,
) -> str:
    """Add a message for one claim to the outbox, inside the caller's transaction."""
    if operation not in _CLASSES:
        raise ValueError(f"unknown outbox operation {operation}")
    msg_id = msg_id or new_msg_id()
    repo.enqueue(
        msg_id=msg_id,
        ordering_key=fordring_id,
        kommunekode=kommunekode,
        operation=operation,
        payload=encode_payload(message),
        now=now,
    )
    return msg_id
