"""The auditor's pages, and the service's public key at a fixed address."""
from __future__ import annotations

from flask import Blueprint, Response

from service.audit import operations as ops
from service.core import db

bp = Blueprint("audit", __name__)


@bp.get("/audit/key")
def public_key():
    """The service's verifier keys (C2SP form), oldest first: the last signs today; each later
    one was announced by the one before it (its announcement is in every bundle)."""
    _name, _key, current = ops.signer()
    with db.transaction() as cur:
        listed = [k["verifier_key"] for k in ops.signing_keys(cur)]
    if current not in listed:
        listed.append(current)
    return Response("".join(k + "\n" for k in listed), mimetype="text/plain",
                    headers={"Cache-Control": "public, max-age=300"})
