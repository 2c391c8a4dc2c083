"""The round keys (service/voting/round_keys.py): made once, durable, private, destroyed for good."""
from __future__ import annotations

import stat
import threading

from service.voting import round_keys


def test_a_round_key_is_made_once_and_kept_privately(tmp_path):
    key = round_keys.make(tmp_path, 7)
    assert len(key) == 32 and round_keys.make(tmp_path, 7) == key == round_keys.load(tmp_path, 7)
    path = tmp_path / "round-keys" / "round-7.key"
    assert path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert round_keys.make(tmp_path, 8) != key
    assert [p.name for p in sorted(path.parent.iterdir())] == ["round-7.key", "round-8.key"]  # no temporaries left


def test_processes_racing_to_make_a_key_agree_on_one(tmp_path):
    made = []
    threads = [threading.Thread(target=lambda: made.append(round_keys.make(tmp_path, 9))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 8 and len(set(made)) == 1


def test_a_destroyed_key_is_gone_from_the_disk_and_the_cache(tmp_path):
    key = round_keys.make(tmp_path, 11)
    path = tmp_path / "round-keys" / "round-11.key"
    round_keys.destroy(tmp_path, 11)
    assert not path.exists() and round_keys.load(tmp_path, 11) is None
    assert key not in b"".join(p.read_bytes() for p in path.parent.iterdir())
    round_keys.destroy(tmp_path, 11)  # again: nothing to do
    assert round_keys.load(tmp_path, 12) is None  # never made
