"""Helpers the test modules share (plain functions and data; fixtures live in conftest.py).
A test module never imports another test module: tests/test_house.py checks it."""
from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import psycopg2
import zxingcpp
from hypothesis import strategies as st
from openpyxl import Workbook
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ballots import forms
from ballots.sections import DEFAULT_RULES
from ballots.tokens import normalise
from tests.conftest import _csrf


def stored_hashes(conn, batch_id) -> set[bytes]:
    with conn.cursor() as cur:
        cur.execute("SELECT token_hash FROM ballot_tokens WHERE batch_id = %s", (batch_id,))
        return {bytes(r["token_hash"]) for r in cur.fetchall()}


def decode_pdf(pdf: bytes, tmp_path, dpi=150) -> list[str]:
    """Rasterise every page with pdftoppm and decode every QR code on it with zxing-cpp."""
    (tmp_path / "b.pdf").write_bytes(pdf)
    rasterise(tmp_path / "b.pdf", tmp_path / "p", dpi)
    texts = []
    for page in sorted(tmp_path.glob("p-*.png")):
        found = zxingcpp.read_barcodes(Image.open(page).convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
        texts += [b.text for b in found]
    return texts


def rasterise(pdf_path, out_prefix, dpi=150, *extra):
    """pdftoppm, which must draw every glyph: it names any font or CMap it cannot find (the Chinese
    text would be left out of the picture, and a decoded QR code would not notice)."""
    r = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", *extra, str(pdf_path), str(out_prefix)],
                       capture_output=True, text=True, check=True)
    assert "Error" not in r.stderr and "font" not in r.stderr.lower(), r.stderr


def token_of(url: str, base_url: str) -> str:
    prefix = base_url.upper() + "/B/"
    assert url.startswith(prefix), url
    return normalise(url[len(prefix):])


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, cid, headers, data: bytes, filename: str):
    # Encoded here rather than by the test client, whose spooled temp file for a large
    # body stays open when the app refuses it unread.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post(f"/api/v1/campaigns/{cid}/subjects:import", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


GOOD = [
    ["名称", "类型", "类别", "单位", "公开承诺"],
    ["临床医学系党支部", "组织", "基层党组织", "临床医学系", "每月义诊一次"],
    ["王丽华", "个人", "教职工优秀党员", "护理系", "带头学习提高"],
    ["张敏", "党员", "学生优秀党员", "护理系", None],
]


BOGUS_2026 = "year = 2026\nholidays = 2026-12-21..2026-12-23\nworkdays = 2026-12-26\n"


SCHEDULE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（测试数据）
year = 2027
source = 测试数据：仿照国务院办公厅通知
# 放假（连同其中的周末）
holidays = 2027-01-01..2027-01-03            # 元旦
holidays = 2027-02-05..2027-02-13            # 春节
放假 = 2027年4月3日 至 2027年4月5日          # 清明节：中文写法也可以
holidays = 2027-05-01..2027-05-05, 2027-06-09, 2027-09-15
holidays = 2027-10-01..2027-10-07            # 国庆节
# 调休上班
workdays = 2027-02-20, 2027-05-08
上班：2027-09-26、2027-10-09
"""


def sign_in(client, username, password, address="127.0.0.1"):
    """A sign-in from the given client address (the throttle's key; never stored)."""
    client.get("/login", environ_base={"REMOTE_ADDR": address})
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _csrf(client)},
                       environ_base={"REMOTE_ADDR": address})


def ctid_order(conn, table, column, where, params):
    with conn.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE {where} ORDER BY ctid", params)
        return [bytes(r[column]) for r in cur.fetchall()]


# --- the anonymity suite (tests/test_anonymity*.py): a campaign, casts in a known order, and what
# a database superuser reads (WAL, heap files, dumps) ------------------------------------------

PG_BIN = Path(psycopg2.__file__).parent.parent / "pgserver" / "pginstall" / "bin"


def superuser(dsn):
    """An autocommit connection with plain tuple cursors: the operator looking on."""
    c = psycopg2.connect(dsn)
    c.autocommit = True
    return c


@dataclass
class Cast:
    """One ballot cast, as the voter (or someone watching the voter) knows it."""
    position: int
    group: int       # index into the campaign's groups
    token: str
    via: str         # "print" or "handout"
    answers: dict
    receipt: str
    window: tuple[float, float]  # wall clock just before the request and just after its answer


@dataclass
class Voting:
    """An open campaign whose round has a choice with write-ins and a comment of up to
    `max_length` characters (long enough that a ballot's answers are TOASTed), with printed
    ballots (`tokens`) and portal hand-outs (`handout`), and every cast recorded in order."""
    client: object
    id: int
    round: int
    groups: tuple[int, int]
    people: list[int]
    choose: str
    text: str
    max_length: int
    handout_key: dict
    casts: list[Cast] = field(default_factory=list)
    handouts: list[tuple[str, float, float]] = field(default_factory=list)  # (reference, window)

    def tokens(self, n: int, group: int = 0) -> list[str]:
        """n printed ballots, issued as issue_batch stores them (the PDF is tested elsewhere)."""
        from ballots.tokens import token_hash
        from service.core.keys import keys
        with self.client.application.app_context():
            minted = keys().minter.mint_many(self.round, n)
        with psycopg2.connect(self.client.application.config["DATABASE_DSN"]) as c, c.cursor() as cur:
            cur.execute("""INSERT INTO batches (campaign_id, round_id, group_id, kind, layout, size, created_by)
                           VALUES (%s, %s, %s, 'print', 'slips-3x6', %s, 'test') RETURNING id""",
                        (self.id, self.round, self.groups[group], n))
            batch = cur.fetchone()[0]
            # By COPY, as the service issues them: no hash in a statement text a sampler could see.
            rows = "".join(f"\\\\x{token_hash(t).hex()}\t{self.id}\t{self.round}\t{self.groups[group]}\t{batch}\n"
                           for t in sorted(minted, key=token_hash))
            cur.copy_expert("COPY ballot_tokens (token_hash, campaign_id, round_id, group_id, batch_id) FROM STDIN",
                            io.StringIO(rows))
        c.close()
        return minted

    def handout(self, reference: str, group: int = 0) -> str:
        """A ballot handed to a portal user through the API (the pool refills itself)."""
        before = time.time()
        r = self.client.post(f"/api/v1/campaigns/{self.id}/rounds/{self.round}/ballots:handout",
                             json={"voter_ref": reference, "group_id": self.groups[group]}, headers=self.handout_key)
        self.handouts.append((reference, before, time.time()))
        assert r.status_code == 201, r.get_data(as_text=True)[:500]
        return normalise(r.get_json()["url"].split("/b/")[1])

    def cast(self, token: str, answers: dict, group: int = 0, via: str = "print") -> Cast:
        before = time.time()
        r = self.client.post("/api/v1/ballots:cast", json={"token": token, "answers": answers})
        after = time.time()
        assert r.status_code == 201, r.get_data(as_text=True)[:500]
        done = Cast(len(self.casts), group, token, via, answers, r.get_json()["tracker"], (before, after))
        self.casts.append(done)
        return done

    def answers(self, i: int, rng) -> dict:
        """Ballots of very different sizes, by turns: blank, a comment of random Chinese near the
        section's limit (incompressible, so TOASTed), write-ins, a short comment with a choice."""
        kind = i % 4
        if kind == 0:
            return {}
        if kind == 1:
            return {self.text: chinese(self.max_length - rng.randrange(20), rng)}
        if kind == 2:
            return {self.choose: {"chosen": [], "write_ins": [f"欧阳{i}号", chinese(6, rng)]}}
        return {self.text: f"第{i}条：{chinese(8, rng)}", self.choose: {"chosen": [self.people[i % 4]], "write_ins": []}}

    def close(self, organiser_key) -> None:
        r = self.client.post(f"/api/v1/campaigns/{self.id}/transitions", json={"to": "closed"}, headers=organiser_key)
        assert r.status_code == 200, r.get_data(as_text=True)[:500]

    def cast_of_tracker(self, tracker: bytes) -> Cast:
        from ballots.forms import short_tracker
        by_receipt = {c.receipt: c for c in self.casts}
        return by_receipt[short_tracker(bytes(tracker))]


def chinese(n: int, rng) -> str:
    """n random common Chinese characters (CJK Unified Ideographs): text no compressor shrinks."""
    return "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(n))


def open_voting(client, organiser_key, handout_key, max_length: int = 1500) -> Voting:
    """A campaign for the anonymity suite, opened: 教师 and 学生, four people to choose from (with
    write-ins) and a comment section of max_length characters."""
    def api(path, body):
        r = client.post(f"/api/v1/campaigns{path}", json=body, headers=organiser_key)
        assert r.status_code in (200, 201), r.get_data(as_text=True)[:500]
        return r.get_json()
    cid = api("", {"title": "2026 年度匿名测评", "description": "全体教职工和学生代表参加"})["id"]
    groups = tuple(api(f"/{cid}/groups", {"name": name, "weight": w, "criteria": "比师德看作风"})["id"]
                   for name, w in (("教师", 0.6), ("学生", 0.4)))
    people = [api(f"/{cid}/subjects", {"name": n, "kind": "person", "category": "党员", "unit": "临床医学系"})["id"]
              for n in ("王丽华", "李建国", "张敏", "刘洋")]
    rid = api(f"/{cid}/rounds", {"title": "师生测评", "kind": "evaluation"})["id"]
    choose = api(f"/{cid}/sections", {"round_id": rid, "type": "choose", "title": "推荐优秀党员",
                                      "config": {"category": "党员", "max_choices": 2, "write_ins": True}})["id"]
    text = api(f"/{cid}/sections", {"round_id": rid, "type": "text", "title": "意见建议",
                                    "config": {"max_length": max_length}})["id"]
    for state in ("announced", "open"):
        api(f"/{cid}/transitions", {"to": state})
    return Voting(client, cid, rid, groups, people, str(choose), str(text), max_length, handout_key)


def record_shuffles(monkeypatch) -> list[tuple[list, list]]:
    """Every shuffle the mixer asks ballots.mixing for, (what went in, what came out), the real
    random order kept: what any order in the database can be compared with."""
    from ballots import mixing
    real, calls = mixing.shuffled, []

    def shuffled(items):
        items = list(items)
        out = real(items)
        calls.append((items, out))
        return out
    monkeypatch.setattr(mixing, "shuffled", shuffled)
    return calls


def _shuffled_item(item):
    """What identifies an item the mixer shuffles: a sealed row's id (alone, or first of (id,
    ciphertext)), or a ballot row's id (first of its row; text, or its ASCII bytes)."""
    if isinstance(item, tuple):
        item = item[0]
    if isinstance(item, (bytes, memoryview)):
        item = bytes(item)
        return item.decode("ascii") if len(item) == 36 else item
    return str(item)


def assert_order_is_a_shuffle(stored: list[int], shuffles, position_of: dict, what: str) -> None:
    """A stored order of ballots (as their cast positions) is, exactly, what one of the mixer's
    shuffles drew (its first len(stored), the batch being a prefix of the draw): the order comes
    from the shuffle and from nothing else. position_of: sealed ids and ballot ids → cast position."""
    drawn = [[position_of[k] for k in map(_shuffled_item, out) if k in position_of] for _, out in shuffles]
    assert any(d[:len(stored)] == stored for d in drawn), (what, stored, drawn)


def fixed_points(ranks: list[int]) -> int:
    return sum(1 for i, r in enumerate(ranks) if i == r)


def kendall_tau(ranks: list[int]) -> float:
    """Kendall's rank correlation of a permutation with the identity (1: the same order)."""
    n = len(ranks)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if ranks[i] < ranks[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs


def ranks_in_cast_order(ballot_order: list, position_of) -> list[int]:
    """For ballots listed in some stored order, each one's rank in cast order among them."""
    positions = [position_of(b) for b in ballot_order]
    rank = {p: i for i, p in enumerate(sorted(positions))}
    return [rank[p] for p in positions]


def assert_not_cast_order(ballot_order: list, position_of, what: str) -> None:
    """A stored order of at least 30 ballots of a batch is no better than a random one at
    following their cast order: at most 8 in their cast rank (a random permutation has 9 or more
    about once in a million) and |Kendall's tau| at most 0.75 (about 6 standard deviations)."""
    ranks = ranks_in_cast_order(ballot_order, position_of)
    assert len(ranks) >= 30, (what, len(ranks))
    assert fixed_points(ranks) <= 8, (what, ranks)
    assert abs(kendall_tau(ranks)) <= 0.75, (what, ranks)


def assert_one_in_k(crowds: dict, truth: dict, groups: dict, k: int, what: str) -> None:
    """The summary of a join: for each ballot, `crowds[ballot]` is the set of cast positions an
    observation leaves possible; the true one is among them (the join was really made), and
    within the ballot's group (which the ballot shows) there are at least k — or the whole group."""
    group_sizes = defaultdict(int)
    for g in groups.values():
        group_sizes[g] += 1
    for ballot, crowd in crowds.items():
        assert truth[ballot] in crowd, (what, ballot)
        g = groups[truth[ballot]]
        same_group = {p for p in crowd if groups[p] == g}
        assert len(same_group) >= min(k, group_sizes[g]), (what, ballot, sorted(same_group))


# pg_waldump's lines: "rmgr: Heap len (rec/tot): 54/ 54, tx: 785, lsn: 0/020007A0, prev 0/…,
# desc: DELETE xmax: 785, off: 1, …, blkref #0: rel 1663/16384/16870 blk 0 FPW"
_WAL_LINE = re.compile(r"rmgr: (\w+)\s+len \(rec/tot\):\s*(\d+)/\s*(\d+), tx:\s*(\d+), lsn: ([0-9A-F]+/[0-9A-F]+), "
                       r"prev [0-9A-F]+/[0-9A-F]+, desc: ([A-Z_0-9]+)(\+INIT)?(.*)$")
_BLOCK = re.compile(r"blkref #\d+: rel \d+/\d+/(\d+)(?: fork (\w+))? blk (\d+)( FPW)?")


@dataclass
class WalRecord:
    rmgr: str
    rec: int          # the record's length without full-page images
    xid: int
    lsn: str
    op: str
    rest: str
    blocks: list[tuple[str, str, int, bool]]  # (relation, fork, block, full-page image)
    init: bool = False  # +INIT: the record starts a new page (a MULTI_INSERT's offsets are then 1…n)

    @property
    def rel(self) -> str | None:
        return self.blocks[0][0] if self.blocks else None

    @property
    def fpw(self) -> bool:
        return any(b[3] for b in self.blocks)

    @property
    def ctid(self) -> tuple[int, int] | None:
        m = re.search(r"\boff: (\d+)", self.rest)
        return (self.blocks[0][2], int(m.group(1))) if m and self.blocks else None

    @property
    def commit_time(self) -> dt.datetime | None:
        m = re.match(r" (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC", self.rest)
        if self.op != "COMMIT" or not m:
            return None
        return dt.datetime.fromisoformat(m.group(1)).replace(tzinfo=dt.timezone.utc)


def wal_mark(cur) -> tuple[str, str]:
    """(LSN, pg_wal directory): the WAL from here on is what pg_waldump will read."""
    cur.execute("SELECT pg_switch_wal()")
    cur.execute("SELECT pg_current_wal_lsn()::text, current_setting('data_directory')")
    lsn, data = cur.fetchone()
    return lsn, str(Path(data) / "pg_wal")


def relation_names(cur) -> dict[str, str]:
    """relfilenode → name of every relation of the public schema; a table's TOAST is
    '<table>.toast' (relfilenodes change with TRUNCATE: read them after the last one)."""
    cur.execute("""SELECT c.relfilenode::text, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public' AND c.relfilenode <> 0
                   UNION ALL
                   SELECT t.relfilenode::text, c.relname || '.toast' FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class t ON t.oid = c.reltoastrelid
                   WHERE n.nspname = 'public'""")
    return dict(cur.fetchall())


def wal_since(cur, mark: tuple[str, str]) -> list[WalRecord]:
    """Every WAL record from the mark to now, parsed, relations named (others by their number)."""
    start, wal_dir = mark
    cur.execute("SELECT pg_switch_wal()")  # the records so far are in finished segments
    cur.execute("SELECT pg_current_wal_lsn()::text")
    end = cur.fetchone()[0]
    names = relation_names(cur)
    out = subprocess.run([str(PG_BIN / "pg_waldump"), "--path", wal_dir, "--start", start, "--end", end],
                         capture_output=True, text=True, check=False)
    records = []
    for line in out.stdout.splitlines():
        m = _WAL_LINE.match(line)
        assert m, line
        blocks = [(names.get(node, node), fork or "main", int(blk), bool(fpw))
                  for node, fork, blk, fpw in _BLOCK.findall(m.group(8))]
        records.append(WalRecord(m.group(1), int(m.group(2)), int(m.group(4)), m.group(5), m.group(6), m.group(8),
                                 blocks, bool(m.group(7))))
    assert len(records) > 50, out.stderr
    return records


def heap_tuples(file_bytes: bytes) -> list[dict]:
    """Every tuple with storage in a heap file, read from its pages' line pointers as someone
    holding the table files would (dead versions included): ctid, xmin, xmax and its bytes."""
    out = []
    for blk, start in enumerate(range(0, len(file_bytes), 8192)):
        page = file_bytes[start:start + 8192]
        lower = int.from_bytes(page[12:14], "little")
        for n, lp in enumerate(range(24, lower, 4), start=1):
            word = int.from_bytes(page[lp:lp + 4], "little")
            offset, flags, length = word & 0x7FFF, (word >> 15) & 0x3, word >> 17
            if flags == 1 and length >= 24:  # LP_NORMAL
                data = page[offset:offset + length]
                out.append({"ctid": (blk, n), "xmin": int.from_bytes(data[0:4], "little"),
                            "xmax": int.from_bytes(data[4:8], "little"), "data": data[data[22]:]})
    return out


def toast_pointers(data: bytes, toast_oid: int) -> list[int]:
    """The chunk ids (va_valueid) of the on-disk TOAST pointers in a tuple's data: a one-byte
    varlena header 0x01, tag 18, then rawsize, extinfo, valueid and the TOAST table's oid."""
    found, at = [], 0
    while (at := data.find(b"\x01\x12", at)) >= 0:
        if int.from_bytes(data[at + 14:at + 18], "little") == toast_oid:
            found.append(int.from_bytes(data[at + 10:at + 14], "little"))
        at += 1
    return found


def read_heap(cur, table: str) -> list[dict]:
    """The table's heap file after a CHECKPOINT, through the superuser's pg_read_binary_file."""
    cur.execute("CHECKPOINT")
    cur.execute("SELECT pg_read_binary_file(pg_relation_filepath(%s))", (table,))
    return heap_tuples(bytes(cur.fetchone()[0]))


def pg_dump(dsn: str) -> str:
    """A plain-format dump of the whole database, as last night's backup would be."""
    out = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", "--dbname", dsn],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout


_COPY_UNESCAPE = re.compile(r"\\(.)")
_COPY_CHARS = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}


def dump_tables(dump: str) -> dict[str, tuple[list[str], list[list[str | None]]]]:
    """table → (columns, rows in the dump's order) from a plain dump's COPY blocks."""
    tables, lines, i = {}, dump.split("\n"), 0
    while i < len(lines):
        m = re.match(r"COPY public\.(\w+) \((.*)\) FROM stdin;$", lines[i])
        i += 1
        if not m:
            continue
        rows = []
        while lines[i] != "\\.":
            rows.append([None if f == "\\N" else _COPY_UNESCAPE.sub(lambda e: _COPY_CHARS.get(e.group(1), e.group(1)), f)
                         for f in lines[i].split("\t")])
            i += 1
        tables[m.group(1)] = ([c.strip('"') for c in m.group(2).split(", ")], rows)
    return tables


def dump_setvals(dump: str) -> dict[str, tuple[int, bool]]:
    """sequence → (value, is_called) from a plain dump's SELECT pg_catalog.setval(…) lines."""
    return {m.group(1): (int(m.group(2)), m.group(3) == "true")
            for m in re.finditer(r"SELECT pg_catalog\.setval\('([\w.]+)', (\d+), (true|false)\);", dump)}


def wal_chain(records: list[WalRecord]) -> tuple[dict[int, int], dict[int, set[int]]]:
    """What the WAL chains when casts come one after another: each transaction that deletes a
    token's row is a cast (numbered in WAL order, which is cast order), the sealed row it inserts
    (by ctid) is deleted by a batch. Returns ({cast xid: position}, {batch xid: positions of the
    casts whose sealed rows it deleted}); a batch transaction may hold several groups (the close)."""
    casts, sealed_by, batches = {}, {}, defaultdict(set)
    for r in records:
        if r.rmgr != "Heap" or not r.ctid:
            continue
        if r.rel == "ballot_tokens" and r.op == "DELETE":
            casts[r.xid] = len(casts)
        elif r.rel == "sealed_ballots" and r.op == "INSERT":
            sealed_by[r.ctid] = r.xid
        elif r.rel == "sealed_ballots" and r.op == "DELETE":
            batches[r.xid].add(casts[sealed_by.pop(r.ctid)])
    return casts, batches


def bundle_of(client, key, campaign) -> bytes:
    """The auditor bundle of the campaign's round, downloaded over the API (200 asserted)."""
    r = client.get(f"/api/v1/campaigns/{campaign.id}/rounds/{campaign.round}/bundle", headers=key)
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    return r.get_data()


# --- the tally tests' random rounds (hypothesis), shared with the audit tests ----------------

APPROVE = {"赞成": (1, True), "不赞成": (0, False), "弃权": (None, None)}
BARS = {"more_than_half": (Fraction(1, 2), False), "two_thirds": (Fraction(2, 3), True),
        "sixty_percent": (Fraction(3, 5), True)}  # (bar, whether reaching it is enough)


NAMES = ["赵静", "钱多", "孙立"]


@st.composite
def elections(draw):
    """A random round: 1-4 groups with weights and eligible counts, 1-6 subjects, one section of
    each counted type (rating, choose with write-ins, approve, score) each answered by some of the
    groups, up to 40 valid ballots, rules and issued counts drawn; (sections, groups, ballots,
    rules, issued) with subjects 100.. and sections 1-4."""
    n_groups = draw(st.integers(1, 4))
    groups = [{"id": i + 1, "name": f"g{i}", "weight": draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 1, 2])),
               "eligible": draw(st.sampled_from([None, 3, 10, 40]))} for i in range(n_groups)]
    ids = [g["id"] for g in groups]
    subjects = list(range(100, 100 + draw(st.integers(1, 6))))
    scale = draw(st.sampled_from(["satisfaction", "member"]))
    n_choose = draw(st.integers(1, len(subjects)))

    def some_groups():
        return draw(st.one_of(st.none(), st.lists(st.sampled_from(ids), min_size=1, unique=True)))

    def rows():
        return [forms.Row(str(s), s, f"s{s}") for s in subjects]
    by = draw(st.sampled_from([None, "rate", "mean", "unfavourable"]))
    sections = [forms.FormSection(1, "rating", "r", {"scale": scale, "rank_by": by}, rows(), some_groups()),
                forms.FormSection(2, "choose", "c", {"max_choices": n_choose, "quota": draw(st.integers(1, n_choose)),
                                                     "write_ins": True}, rows(), some_groups()),
                forms.FormSection(3, "approve", "a", {"rank_by": draw(st.sampled_from([None, "mean", "unfavourable"]))},
                                  rows(), some_groups()),
                forms.FormSection(4, "score", "s", {"min": 0, "max": 100,
                                                    "trim_above": draw(st.sampled_from([None, 2, 5]))},
                                  rows(), some_groups())]
    labels = [o["label"] for o in forms.scale_options({"scale": scale})]
    ballots = []
    for _ in range(draw(st.integers(0, 40))):
        g = draw(st.sampled_from(ids))
        form = [sec for sec in sections if not sec.group_ids or g in sec.group_ids]
        answers = {}
        for sec in form:
            if sec.type in ("rating", "approve"):
                options = labels if sec.type == "rating" else list(APPROVE)
                grid = {str(s): draw(st.sampled_from(options)) for s in subjects if draw(st.booleans())}
            elif sec.type == "score":
                grid = {str(s): draw(st.integers(0, 100)) for s in subjects if draw(st.booleans())}
            else:
                chosen = draw(st.lists(st.sampled_from(subjects), max_size=n_choose, unique=True))
                write_ins = draw(st.lists(st.sampled_from(NAMES), max_size=n_choose - len(chosen), unique=True))
                grid = {k: v for k, v in (("chosen", sorted(chosen)), ("write_ins", write_ins)) if v}
            if grid:
                answers[str(sec.id)] = grid
        assert not forms.validate(form, answers)[1], answers
        ballots.append({"group_id": g, "answers": answers})
    rules = {**DEFAULT_RULES, "weight_base": draw(st.sampled_from(["returned", "all"])),
             "small_group_k": draw(st.sampled_from([1, 3, 5])),
             "majority": {"threshold": draw(st.sampled_from(list(BARS))),
                          "base": draw(st.sampled_from(["valid", "cast", "eligible"]))},
             "quorum": draw(st.sampled_from([None, {"share": 0.6667, "base": "issued"},
                                             {"share": 0.6667, "base": "eligible"}]))}
    issued = {g: draw(st.sampled_from([0, 5, 20])) for g in ids}
    return sections, groups, ballots, rules, issued


def errors_of(html: str, form_id: str) -> str:
    """The text of the error box inside the form with this id ('' if none)."""
    form = html.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    box = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', form, re.S)
    return re.sub(r"<[^>]+>", " ", box.group(1)) if box else ""


# --- paper ballots, printed and scanned (tests/test_paper_scans.py, the tellers' browser test) ---

def _printed_paper(app, campaign, token):
    """The paper ballot of this token as the service prints it, and its layout."""
    from ballots import paper_layout
    from ballots.paper_ballot import paper as paper_pdf
    from service.campaigns import operations as camps
    from service.core import db
    from service.issuance import operations as issued
    with app.app_context(), db.transaction() as cur:
        c = camps.get_campaign(cur, campaign.id)
        rnd = camps.get_part(cur, "rounds", campaign.id, campaign.round)
        group = camps.get_part(cur, "voter_groups", campaign.id, campaign.groups[0])
        head = issued.heading(cur, c, rnd, group, with_form=True)
        base = app.config["SETTINGS"].base_url
    return b"".join(paper_pdf([token], base, head, None)), paper_layout.layout(head)


def _paper_box(layouts, key):
    return next((i, b) for i, lay in enumerate(layouts) for b in lay.boxes if b.key == key)


def paper_scan(app, campaign, token, marks, dots=()):
    """PNG scans of the token's ballot with these boxes ticked (and these with a faint dot)."""
    import random

    import cv2

    from ballots import omr
    from bench import omr_synth as synth
    pdf, layouts = _printed_paper(app, campaign, token)
    images = list(omr.pdf_pages(pdf))
    rng = random.Random(7)
    for key in marks:
        i, b = _paper_box(layouts, key)
        synth.draw_mark(images[i], b.rect, synth.Pen("tick", 1.0, 20), rng, 841.89)
    for key in dots:
        i, b = _paper_box(layouts, key)
        synth.draw_mark(images[i], b.rect, synth.Pen("dot", 1.35, 90), rng, 841.89)  # about 7 % of the box: unclear
    images = [synth.distort(img, rng, angle=1.5, scale=0.02) for img in images]
    return [cv2.imencode(".png", img)[1].tobytes() for img in images]


def capped_rating_campaign(client, organiser_key, max_share):
    """(tests/test_ballot_page.py and its browser test) An open campaign of one group and two
    支部 rated under a cap on 满意 of max_share; returns (campaign, round, group) ids."""
    api = lambda path, body: client.post(f"/api/v1/campaigns{path}", json=body,  # noqa: E731
                                         headers=organiser_key).json
    cid = api("", {"title": "支部满意度测评", "description": "两个支部"})["id"]
    gid = api(f"/{cid}/groups", {"name": "党员", "weight": 1, "criteria": "看作用"})["id"]
    for name in ("第一党支部", "第二党支部"):
        api(f"/{cid}/subjects", {"name": name, "kind": "organisation", "category": "基层党组织",
                                 "commitment": "服务师生"})
    rid = api(f"/{cid}/rounds", {"title": "测评", "kind": "evaluation"})["id"]
    api(f"/{cid}/sections", {"round_id": rid, "type": "rating", "title": "满意度",
                             "config": {"category": "基层党组织", "caps": [{"option": "满意", "max_share": max_share}]}})
    for state in ("announced", "open"):
        assert client.post(f"/api/v1/campaigns/{cid}/transitions", json={"to": state},
                           headers=organiser_key).status_code == 200
    return cid, rid, gid
