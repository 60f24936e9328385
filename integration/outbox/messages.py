"""Outgoing messages as stored in the outbox, and how they become SOAP requests.

A new claim is stored as its `Fordring` under the operation ``OpretFordring``;
whether it goes out as `OpretDebitorkonto` (the debtor's first claim in that
municipality) or `OpretFordring` is decided when it is sent, from the account
numbers the debtor system has answered with so far.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from lxml import etree

from integration.store import Repo
from oeir import codec, model

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
