"""Per-purpose keys derived from SECRET_KEY. Changing SECRET_KEY invalidates every ballot
token issued before (their MACs no longer check) and every portal-reference hash."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ballots.tokens import Minter, derive_key


@dataclass(frozen=True)
class Keys:
    minter: Minter
    pool: bytes
    reference: bytes


def keys() -> Keys:
    ext = current_app.extensions
    if "pingyi_keys" not in ext:
        secret = current_app.config["SETTINGS"].secret_key
        ext["pingyi_keys"] = Keys(
            minter=Minter(derive_key(secret, "ballot-token-mac/v1")),
            pool=derive_key(secret, "handout-pool/v1"),
            reference=derive_key(secret, "portal-reference/v1"),
        )
    return ext["pingyi_keys"]
