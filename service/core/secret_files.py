"""Key files beside the service secret (the round keys, the audit signing key): written whole or
not at all, synced, 0600 in a 0700 folder, so that a key reported made survives a crash."""
from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path


def sync_dir(folder: Path) -> None:
    """Sync a folder, so that a file made, renamed or removed in it stays so after a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(path: Path, data: bytes, replace: bool = False) -> None:
    """Write `data` to `path` atomically and synced. Without `replace`, a file another process
    made first wins (and this one's data is dropped); with it, the file is replaced."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = folder / f".{path.name}.{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        if temporary.exists():
            temporary.unlink()
    sync_dir(folder)
