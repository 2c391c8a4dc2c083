"""How the mixer reads, opens and writes a batch (service/voting/mixer.py, the mixer's part of
service/voting/queries.py, ballots/counts.py): the binary COPY of sealed rows parsed whatever its
chunks, the packed counter written as text equal to forms.pack_marks, and a sealed row that opens
but does not hold a ballot of its round and group left sealed like one that does not open."""
from __future__ import annotations

import os
import random
import uuid

import psycopg2
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ballots import counts, forms, sealing
from ballots.forms import FormSection, Row
from service.voting import queries as q
from service.voting import round_keys

ROWS = [Row(key=str(i), subject_id=i, name=f"对象{i}") for i in (7, 88, 1234, 5)]
SECTIONS = [
    FormSection(1, "rating", "满意度", {"scale": "satisfaction"}, ROWS),
    FormSection(2, "approve", "同意", {}, ROWS[:2]),
    FormSection(3, "choose", "推荐", {"max_choices": 2}, ROWS),
]


def test_the_counter_as_text_is_the_packed_counter():
    rng = random.Random(10)
    text = counts.marks_text(SECTIONS)
    for _ in range(500):
        clean = {"1": {r.key: rng.choice(SECTIONS[0].options) for r in ROWS if rng.random() < 0.7},
                 "2": {r.key: rng.choice(SECTIONS[1].options) for r in ROWS[:2] if rng.random() < 0.5},
                 "3": {"chosen": [7]}}
        assert text(clean) == str(forms.pack_marks(SECTIONS, clean)).encode()
    assert text({}) == b"0" == str(forms.pack_marks(SECTIONS, {})).encode()
    assert counts.marks_text(SECTIONS[2:])({"3": {"chosen": [7]}}) is None
    with pytest.raises(KeyError):
        text({"1": {"7": "not an option"}})


def _binary_copy(rows, extension=b"") -> bytes:
    out = b"PGCOPY\n\xff\r\n\x00" + bytes(4) + len(extension).to_bytes(4, "big") + extension
    for fields in rows:
        out += len(fields).to_bytes(2, "big") + b"".join(len(f).to_bytes(4, "big") + f for f in fields)
    return out + b"\xff\xff"


@pytest.mark.parametrize("chunk", [1, 2, 5, 19, 20, 64, 1000, 10**6])
def test_the_binary_copy_of_sealed_rows_is_read_whatever_its_chunks(chunk):
    rows = [(os.urandom(16), os.urandom(n)) for n in (0, 1, 300, 2248, 7)]
    data = _binary_copy(rows, extension=b"ext" if chunk % 2 else b"")
    sink = q._SealedRows()
    for i in range(0, len(data), chunk):
        assert not sink.done
        sink.write(data[i:i + chunk])
    assert sink.done and sink.rows == rows


def test_a_binary_copy_of_other_rows_is_refused():
    with pytest.raises(psycopg2.DataError):
        q._SealedRows().write(_binary_copy([(b"a", b"b", b"c")]))
    with pytest.raises(psycopg2.DataError):
        q._SealedRows().write(b"id\tsealed\n" * 3)


def _seal_raw(key, round_id, group_id, padded: bytes) -> bytes:
    nonce = os.urandom(sealing.NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, padded, f"pingyi/sealed-ballot/v1/{round_id}/{group_id}".encode())


def test_a_sealed_row_that_opens_to_something_else_is_left_sealed(client, full_campaign, database, settings,
                                                                  mix, caplog):
    """Sealed with the round's key and its row's round and group, but holding a ballot that names
    another group, a ballot that is not canonical, answers off the form, or padding that is not
    zeros: each is left sealed and logged, and the good ballots beside it are mixed and counted."""
    rid, (g1, g2) = full_campaign.round, full_campaign.groups
    key = round_keys.load(settings.var_dir, rid)
    rating = str(full_campaign.sections["rating"])
    good = {rating: {str(full_campaign.orgs[0]): "满意"}}

    def ballot(group, answers=good, **extra):
        return forms.canonical({"id": str(uuid.uuid4()), "round_id": rid, "group_id": group, "answers": answers,
                                **extra})

    def padded(b, tail=b""):
        return len(b).to_bytes(4, "big") + b + tail + bytes(64)
    strange = [padded(ballot(g2)), padded(ballot(g1, extra=1)), padded(ballot(g1)[:-1] + b" }"),
               padded(ballot(g1, {rating: {str(full_campaign.orgs[0]): "很好"}})), padded(ballot(g1), b"\x01"),
               padded(ballot(g1).replace(b'"id":"', b'"id":"X', 1))]
    fine = [padded(ballot(g1)) for _ in range(3)]
    with psycopg2.connect(database) as c, c.cursor() as cur:
        for p in strange + fine:
            cur.execute("INSERT INTO sealed_ballots (id, campaign_id, round_id, group_id, sealed) "
                        "VALUES (%s, %s, %s, %s, %s)", (os.urandom(16), full_campaign.id, rid, g1,
                                                        _seal_raw(key, rid, g1, p)))
    c.close()
    assert mix()["mixed"] == 3
    assert f"{len(strange)} sealed ballots of round {rid}, group {g1} do not open" in caplog.text
    with psycopg2.connect(database) as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM sealed_ballots WHERE round_id = %s", (rid,))
        assert cur.fetchone()[0] == len(strange)
        cur.execute("SELECT group_id, answers FROM ballots WHERE round_id = %s", (rid,))
        assert cur.fetchall() == [(g1, good)] * 3
        cur.execute("SELECT counts FROM ballot_counts WHERE round_id = %s", (rid,))
        (record,) = cur.fetchone()
        assert record["ballots"] == 3 and record["options"] == [[int(rating), str(full_campaign.orgs[0]), "满意", 3]]
        cur.execute("DELETE FROM sealed_ballots WHERE round_id = %s", (rid,))  # what the after-test check would call unmixed
    c.close()
