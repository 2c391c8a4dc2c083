"""The service's Ed25519 signing key (docs/audit.md): made on first start, kept in
`$PINGYI_VAR_DIR/audit-key/ed25519.seed` (0600, in a 0700 folder) beside the round keys, on the
same persisted volume in the Docker set-up, never in the database and so never in a dump. Its
public half, as a C2SP verifier key, is served at /audit/key and printed on the results PDF.

Rotation (`python -m service audit-key rotate`): a new key, announced by a statement signed with
the old one (and the new), which the database keeps beside the new verifier key; a verifier
that trusts the old key can follow the announcements to the new one.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots import signed_note
from service.core import secret_files

_DIR = "audit-key"
_FILE = "ed25519.seed"
ROTATION_HEADER = "pingyi audit key rotation"


def key_name(base_url: str) -> str:
    """The key's name in signatures and verifier keys: the service's host (and port)."""
    return urlsplit(base_url).netloc or "pingyi"


def _path(var_dir: Path) -> Path:
    return Path(var_dir) / _DIR / _FILE


def signing_key(var_dir: Path) -> Ed25519PrivateKey:
    """The service's signing key, made (and synced to disk) if there is none yet."""
    path = _path(var_dir)
    if not path.exists():
        secret_files.write(path, secrets.token_bytes(32))
    seed = path.read_bytes()
    if len(seed) != 32:
        raise RuntimeError(f"the audit signing key {path} is damaged ({len(seed)} bytes)")
    return Ed25519PrivateKey.from_private_bytes(seed)


def verifier_key(var_dir: Path, base_url: str) -> str:
    """The public half, as a C2SP verifier key `<name>+<key id>+<base64>`."""
    return signed_note.verifier_key(key_name(base_url), signing_key(var_dir).public_key())


def rotate(var_dir: Path, base_url: str) -> tuple[str, str]:
    """Replace the key with a new one; (the new verifier key, its announcement): a note naming
    the old and the new verifier keys, signed by both."""
    name, old = key_name(base_url), signing_key(var_dir)
    new = Ed25519PrivateKey.generate()
    old_text = signed_note.verifier_key(name, old.public_key())
    new_text = signed_note.verifier_key(name, new.public_key())
    body = f"{ROTATION_HEADER}\nold {old_text}\nnew {new_text}\n"
    announcement = signed_note.sign(body, name, old)
    announcement = announcement + signed_note.sign(body, name, new).split("\n\n", 1)[1]
    secret_files.write(_path(var_dir), new.private_bytes_raw(), replace=True)
    return new_text, announcement
