"""Per-purpose keys derived from SECRET_KEY. Changing SECRET_KEY invalidates every ballot
token issued before (their MACs no longer check), every hand-out pool seed and every
portal-reference hash: each batch records the id of the key it was minted with (`key_id`), and
`serve` warns when unused ballots of announced or open campaigns were minted with another."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app

from ballots.tokens import Minter, derive_key


@dataclass(frozen=True)
class Keys:
    minter: Minter
    pool: bytes
    reference: bytes
    key_id: str  # names the MAC key without revealing it: the first 64 bits of a hash of it


def key_id(secret: str) -> str:
    mac_key = derive_key(secret, "ballot-token-mac/v1")
    return hashlib.sha256(b"pingyi/key-id/v1\0" + mac_key).hexdigest()[:16]


def keys() -> Keys:
    ext = current_app.extensions
    if "pingyi_keys" not in ext:
        secret = current_app.config["SETTINGS"].secret_key
        ext["pingyi_keys"] = Keys(
            minter=Minter(derive_key(secret, "ballot-token-mac/v1")),
            pool=derive_key(secret, "handout-pool/v1"),
            reference=derive_key(secret, "portal-reference/v1"),
            key_id=key_id(secret),
        )
    return ext["pingyi_keys"]
