"""The FBS external API a library web site calls around fees, as FBS publishes it.

Paths, parameters and shapes follow FBS's OpenAPI (``src/core/fbs/fbs-adapter.yaml``
in danskernesdigitalebibliotek/dpl-react) and FBS's PHP client (ding2/ding2
``modules/fbs/src``): fees (``getFeesV2``), payment (``payFees``, payment/v2) and
patron information (``getPatronInformationByPatronIdV4``). Malformed ids and query
values are a 400, a missing or invalid bearer token a 401 when tokens are on
(integration.web.tokens), an unknown patron a 404.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, jsonify, request

from integration.domain.model import Patron
from integration.fbs.payment import pay_fees
from integration.fbs.service import FbsError
from integration.fbs.views import (
    authenticated_patron_v4,
    fee_v2,
    listed,
    payment_confirmation_v2,
)
from integration.store import Repo
from integration.web.context import current_core, token_issuer
from integration.web.tokens import REALM, auth_required
from oeir.faults import first_non_xml

bp = Blueprint("fbs_api", __name__)

_ISIL = re.compile(r"[A-Za-z]{1,4}-[A-Za-z0-9:/-]{1,11}")
"""An agency's ISIL (e.g. DK-710100): a prefix, a hyphen, the library's id; 16 characters at most."""
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
MAX_FEE_IDS = 1000
"""Most fees one payment order may name."""


@bp.before_request
def _bearer_token():  # type: ignore[no-untyped-def]
    """401 without a valid bearer token when the core requires tokens (FBS's OAuth2)."""
    if not auth_required(current_core().config):
        return None
    agency = (request.view_args or {}).get("agencyid", "")
    why = token_issuer().refusal(request.headers.get("Authorization", ""), agency)
    if why is None:
        return None
    answer = jsonify({"code": "Uautoriseret", "message": why})
    answer.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}", error="invalid_token"'
    return answer, 401


def _agency(agencyid: str) -> str:
    if not _ISIL.fullmatch(agencyid):
        raise FbsError("UgyldigAgencyId", "agencyid must be an ISIL such as DK-710100.")
    return agencyid


def _patron_id(patronid: str) -> int:
    if not (patronid.isascii() and patronid.isdigit()) or int(patronid) >= 2**63:
        raise FbsError("UgyldigPatronId", "patronid must be a whole number (the FBS patron id).")
    return int(patronid)


def _flag(name: str) -> bool:
    """A required-with-default boolean query flag: absent is false; anything but a boolean is 400."""
    raw = request.args.getlist(name)
    if not raw:
        return False
    if len(raw) > 1:
        raise FbsError("UgyldigVaerdi", f"{name} is given more than once.")
    value = raw[0].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FbsError("UgyldigVaerdi", f"{name} must be true or false.")


def _patron(repo: Repo, agency: str, patron_id: int) -> Patron:
    patron = repo.patron(patron_id)
    if patron is None or patron.agency_id != agency:
        raise FbsError("UkendtLaaner", "No such patron at this agency.", 404)
    return patron


@bp.get("/external/<agencyid>/patron/<patronid>/fees/v2")
def fees_v2(agencyid: str, patronid: str):  # type: ignore[no-untyped-def]
    """``GET /external/{agencyid}/patron/{patronid}/fees/v2?includepaid=&includenonpayable=``."""
    agency, patron_id = _agency(agencyid), _patron_id(patronid)
    paid, nonpayable = _flag("includepaid"), _flag("includenonpayable")
    core = current_core()
    with core.store.read() as repo:
        _patron(repo, agency, patron_id)
        fees = repo.fees_of_patron(patron_id)
    return jsonify([fee_v2(f) for f in fees if listed(f, paid, nonpayable)])


def _payment_order() -> tuple[str, list[int]]:
    """The body's ``PaymentOrder`` (``orderId``, ``feeIds``), or a 400 saying what is wrong."""
    try:
        data: Any = json.loads(request.get_data(cache=True)) if request.is_json else None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise FbsError("UgyldigJson", "The body must be a JSON object: {orderId, feeIds}.")
    order_id, fee_ids = data.get("orderId"), data.get("feeIds")
    if not isinstance(order_id, str) or not order_id.strip():
        raise FbsError("UgyldigJson", "orderId is required: the payment gateway's order id.")
    if first_non_xml(order_id) is not None:
        raise FbsError("UgyldigTegn", "orderId contains a character XML cannot carry.")
    if not isinstance(fee_ids, list) or not fee_ids:
        raise FbsError("UgyldigJson", "feeIds is required: a non-empty list of fee ids.")
    if len(fee_ids) > MAX_FEE_IDS:
        raise FbsError("UgyldigJson", f"feeIds names more than {MAX_FEE_IDS} fees.")
    for i, fee_id in enumerate(fee_ids):
        if isinstance(fee_id, bool) or not isinstance(fee_id, int) or not 0 <= fee_id < 2**63:
            raise FbsError("UgyldigJson", f"feeIds[{i}] must be a whole number (a fee id).")
    return order_id, fee_ids


@bp.post("/external/<agencyid>/patron/<patronid>/payment/v2")
def payment_v2(agencyid: str, patronid: str):  # type: ignore[no-untyped-def]
    """``POST /external/{agencyid}/patron/{patronid}/payment/v2``: PaymentOrder → PaymentConfirmationV2[]."""
    agency, patron_id = _agency(agencyid), _patron_id(patronid)
    order_id, fee_ids = _payment_order()
    answers = pay_fees(current_core().service, agency, patron_id, order_id, fee_ids)
    return jsonify(
        [
            payment_confirmation_v2(a.order_id, a.fee_id, a.status.value, a.confirmation_id)
            for a in answers
        ]
    )


@bp.get("/external/<agencyid>/patrons/<patronid>/v4")
def patron_v4(agencyid: str, patronid: str):  # type: ignore[no-untyped-def]
    """``GET /external/{agencyid}/patrons/{patronid}/v4``: the patron with ``blockStatus[]``."""
    agency, patron_id = _agency(agencyid), _patron_id(patronid)
    core = current_core()
    with core.store.read() as repo:
        patron = _patron(repo, agency, patron_id)
        fees = repo.fees_of_patron(patron_id)
        periods = repo.block_periods(patron_id)
    return jsonify(authenticated_patron_v4(patron, fees, periods, core.config))
