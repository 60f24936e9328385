"""The FBS external API's fee read endpoint, as a library web site calls it."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from integration.fbs.service import FbsError
from integration.fbs.views import fee_v2, listed
from integration.web.app import core_of_app

bp = Blueprint("fbs_api", __name__)


def _flag(name: str) -> bool:
    return request.args.get(name, "false").strip().lower() in ("true", "1", "yes")


@bp.get("/external/<agencyid>/patron/<int:patronid>/fees/v2")
def fees_v2(agencyid: str, patronid: int):  # type: ignore[no-untyped-def]
    """``GET /external/{agencyid}/patron/{patronid}/fees/v2?includepaid=&includenonpayable=``."""
    core = core_of_app()
    with core.store.read() as repo:
        patron = repo.patron(patronid)
        if patron is None or patron.agency_id != agencyid:
            raise FbsError("UkendtLaaner", "No such patron at this agency.", 404)
        fees = repo.fees_of_patron(patronid)
    paid, nonpayable = _flag("includepaid"), _flag("includenonpayable")
    return jsonify([fee_v2(f) for f in fees if listed(f, paid, nonpayable)])
