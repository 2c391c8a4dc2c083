"""The keys that seal a round's ballots (ballots/sealing.py): one a round, made when voting
opens, kept in files under `$PINGYI_VAR_DIR/round-keys/` beside the service secret and never in
the database, destroyed once the round's last sealed ballot is mixed at the close (forward
secrecy: no later theft of the files, no backup or WAL archive opens what was sealed).

Losing a key while its round is open loses the ballots sealed under it, the one way a cast that
was acknowledged can be lost: the directory must be as durable as the database (docs/voting.md,
docs/operations.md; docker-compose.yml keeps it on a named volume). Writes are atomic and synced:
a key file is either whole or absent, and a key reported made survives a crash.
"""
from __future__ import annotations

import os
from pathlib import Path

from ballots import sealing
from service.core import secret_files

_DIR = "round-keys"


def _name(var_dir: Path, round_id: int) -> str:
    return f"{var_dir}/{_DIR}/round-{int(round_id)}.key"


def _path(var_dir: Path, round_id: int) -> Path:
    return Path(_name(var_dir, round_id))


def make(var_dir: Path, round_id: int) -> bytes:
    """The round's key, made (and synced to disk) if it does not exist yet; idempotent."""
    existing = load(var_dir, round_id)
    if existing is not None:
        return existing
    secret_files.write(_path(var_dir, round_id), sealing.new_key())
    return load(var_dir, round_id)


def load(var_dir: Path, round_id: int) -> bytes | None:
    """The round's key, or None when it was never made or has been destroyed. Read from the file
    every time (32 bytes): a key destroyed by one process is gone for every other at once, and no
    process keeps it in memory after the close."""
    # os.open on the path as text: pathlib's parsing and read_bytes' file object cost more than
    # the read itself, on every cast.
    try:
        fd = os.open(_name(var_dir, round_id), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        key = os.read(fd, sealing.KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != sealing.KEY_BYTES:
        raise RuntimeError(f"the key file of round {round_id} is damaged ({len(key)} bytes)")
    return key


def destroy(var_dir: Path, round_id: int) -> None:
    """Forget the round's key: overwritten, removed and the removal synced; idempotent."""
    path = _path(var_dir, round_id)
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.write(fd, bytes(sealing.KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()
    secret_files.sync_dir(path.parent)
