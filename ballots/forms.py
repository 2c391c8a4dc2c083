"""The ballot a voter fills: built from the campaign definition for one round and voter group,
and the rules that decide whether a filled ballot is valid (DOMAIN.md). Pure Python.

Answers, keyed by section id (as a string):
    rating   {"<row>": "<option label>"}         rows not answered are abstentions
    approve  {"<subject id>": "赞成" | "不赞成" | "弃权"}
    choose   {"chosen": [subject ids], "write_ins": ["name", …]}
    score    {"<row>": number}
    text     "free text"
A row is "<subject id>" or, with criteria, "<subject id>:<criterion index>".
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field

from .sections import scale_options
from .tokens import ALPHABET as TOKEN_ALPHABET

APPROVE_OPTIONS = ("赞成", "不赞成", "弃权")


@dataclass
class Row:
    key: str
    subject_id: int
    name: str
    unit: str = ""
    commitment: str = ""
    criterion: str = ""


@dataclass
class FormSection:
    id: int
    type: str
    title: str
    config: dict
    rows: list[Row] = field(default_factory=list)
    group_ids: list | None = None  # None: every voter group answers it

    @property
    def options(self) -> list[str]:
        if self.type == "rating":
            return [o["label"] for o in scale_options(self.config)]
        if self.type == "approve":
            return list(APPROVE_OPTIONS)
        return []


def build_form(definition: dict, round_id: int, group_id: int | None) -> list[FormSection]:
    """The sections of a round that this voter group answers (every section: group None), with their rows."""
    from .lifecycle import section_subjects

    subjects = {s["id"]: s for s in definition["subjects"]}
    out = []
    for rnd in definition["rounds"]:
        if rnd["id"] != round_id:
            continue
        for sec in rnd["sections"]:
            if group_id is not None and sec["group_ids"] and group_id not in sec["group_ids"]:
                continue
            rows = []
            criteria = sec["config"].get("criteria") or []
            for s in section_subjects(sec, subjects):
                base = dict(subject_id=s["id"], name=s["name"], unit=s["unit"], commitment=s["commitment"])
                if criteria and sec["type"] in ("rating", "score"):
                    rows += [Row(key=f"{s['id']}:{i}", criterion=c, **base) for i, c in enumerate(criteria)]
                else:
                    rows.append(Row(key=str(s["id"]), **base))
            out.append(FormSection(sec["id"], sec["type"], sec["title"], sec["config"], rows,
                                   sec["group_ids"] or None))
    return out


class Problems:
    """Messages per section: (code, Chinese message) pairs the pages and the API show."""

    def __init__(self):
        self.by_section: dict[str, list[dict]] = {}

    def add(self, section_id, code: str, message: str, **params):
        self.by_section.setdefault(str(section_id), []).append({"code": code, "message": message, **params})

    def __bool__(self):
        return bool(self.by_section)


_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _bad_characters(text: str) -> bool:
    """NUL and other control characters (tab and line breaks aside) and lone surrogates:
    nothing a person types, and nothing PostgreSQL can store."""
    return _BAD.search(text) is not None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _rating(sec: FormSection, value, problems: Problems) -> dict:
    if not isinstance(value, dict):
        problems.add(sec.id, "wrong_type", "答案格式不正确")
        return {}
    keys = {r.key for r in sec.rows}
    out = {}
    for key, choice in value.items():
        if key not in keys:
            problems.add(sec.id, "unknown_row", "包含不属于本题的对象", row=key)
        elif choice is None or choice == "":
            continue  # abstention
        elif choice not in sec.options:
            problems.add(sec.id, "unknown_option", f"「{choice}」不是本题的选项", row=key)
        else:
            out[key] = choice
    if sec.type == "rating":
        for cap in sec.config.get("caps", []):
            limit = int(cap["max_share"] * len(sec.rows) + 1e-9)
            chosen = sum(1 for c in out.values() if c == cap["option"])
            if chosen > limit:
                problems.add(sec.id, "cap_exceeded",
                             f"「{cap['option']}」最多 {limit} 个（不超过 {round(cap['max_share'] * 100)}%），已选 {chosen} 个",
                             option=cap["option"], limit=limit, chosen=chosen)
    return out


def _choose(sec: FormSection, value, problems: Problems) -> dict:
    if not isinstance(value, dict) or set(value) - {"chosen", "write_ins"}:
        problems.add(sec.id, "wrong_type", "答案格式不正确")
        return {}
    chosen, write_ins = value.get("chosen", []), value.get("write_ins", [])
    if not isinstance(chosen, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in chosen) \
            or not isinstance(write_ins, list) or not all(isinstance(w, str) for w in write_ins):
        problems.add(sec.id, "wrong_type", "答案格式不正确")
        return {}
    candidates = {r.subject_id for r in sec.rows}
    if len(set(chosen)) != len(chosen) or not set(chosen) <= candidates:
        problems.add(sec.id, "unknown_candidate", "包含不在候选名单中的人选")
    names = [w.strip() for w in write_ins if w.strip()]
    if any(_bad_characters(n) for n in names):
        problems.add(sec.id, "control_characters", "包含无法保存的控制字符")
        return {}
    if names and not sec.config.get("write_ins"):
        problems.add(sec.id, "write_ins_not_allowed", "本题不能另选他人")
    if any(len(n) > 50 for n in names):
        problems.add(sec.id, "write_in_too_long", "另选人姓名不能超过 50 字")
    if len(set(names)) != len(names) or set(names) & {r.name for r in sec.rows}:
        problems.add(sec.id, "write_in_repeats", "另选人不能重复，也不能与候选人重名")
    n = sec.config["max_choices"]
    total = len(set(chosen)) + len(names)
    if total > n:
        problems.add(sec.id, "too_many", f"限选 {n} 人，已选 {total} 人", limit=n, chosen=total)
    out = {}
    if chosen:
        out["chosen"] = sorted(set(chosen))
    if names:
        out["write_ins"] = sorted(names)
    return out


def _score(sec: FormSection, value, problems: Problems) -> dict:
    if not isinstance(value, dict):
        problems.add(sec.id, "wrong_type", "答案格式不正确")
        return {}
    keys = {r.key for r in sec.rows}
    lo, hi = sec.config.get("min", 0), sec.config.get("max", 100)
    out = {}
    for key, v in value.items():
        if key not in keys:
            problems.add(sec.id, "unknown_row", "包含不属于本题的对象", row=key)
        elif v is None or v == "":
            continue
        elif not _number(v) or not lo <= v <= hi:
            problems.add(sec.id, "out_of_range", f"分数须在 {lo:g} 至 {hi:g} 之间", row=key)
        else:
            out[key] = v
    scores = list(out.values())
    for cap in sec.config.get("caps", []):
        count = sum(1 for s in scores if s >= cap["at_least"])
        if count > cap["max_count"]:
            problems.add(sec.id, "score_cap", f"{cap['at_least']:g} 分及以上最多 {cap['max_count']} 人，已有 {count} 人")
    if scores:
        for floor in sec.config.get("floors", []):
            count = sum(1 for s in scores if s < floor["below"])
            if count < floor["min_count"]:
                problems.add(sec.id, "score_floor",
                             f"{floor['below']:g} 分以下至少 {floor['min_count']} 人，现有 {count} 人")
    if sec.config.get("identical_invalid") and len(scores) > 1 and len(set(scores)) == 1:
        problems.add(sec.id, "identical_scores", "所有分数都相同，视为无效，请区分打分")
    return out


def _text(sec: FormSection, value, problems: Problems):
    if not isinstance(value, str):
        problems.add(sec.id, "wrong_type", "答案格式不正确")
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()  # a browser's line break counts once
    limit = sec.config.get("max_length", 500)
    if len(text) > limit:
        problems.add(sec.id, "too_long", f"不能超过 {limit} 字，现有 {len(text)} 字", limit=limit)
    if _bad_characters(text):
        problems.add(sec.id, "control_characters", "包含无法保存的控制字符")
    return text


_CHECKS = {"rating": _rating, "approve": _rating, "choose": _choose, "score": _score, "text": _text}


def validate(sections: list[FormSection], answers) -> tuple[dict, Problems]:
    """Normalise the answers and collect every rule they break (empty Problems: valid)."""
    problems = Problems()
    if not isinstance(answers, dict):
        problems.add("_ballot", "wrong_type", "答案格式不正确")
        return {}, problems
    by_id = {str(s.id): s for s in sections}
    for key in answers:
        if not isinstance(key, str) or _bad_characters(key):
            problems.add("_ballot", "control_characters", "包含无法保存的控制字符")
        elif key not in by_id:
            problems.add("_ballot", "unknown_section", "包含不属于本选票的题目", section=key)
    clean = {}
    for sid, sec in by_id.items():
        if sid in answers and answers[sid] not in (None, "", {}, []):
            value = _CHECKS[sec.type](sec, answers[sid], problems)
            if value not in ({}, "", []):
                clean[sid] = value
    return clean, problems


def canonical(obj) -> bytes:
    """The one byte form of anything hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# A ballot's id: a random UUID (version 4) in lower case, 36 characters (sealing pads to that),
# drawn by the server or by the voter's page (service/web/static/tracker.js).
BALLOT_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$(?!\n)"


def stored_ballot(ballot_id: str, round_id: int, group_id: int, answers: dict, source: str = "online") -> dict:
    """The ballot as it is sealed, stored and hashed. A paper ballot (keyed by tellers,
    service/paper) says so inside, so its tracker commits to it; an online one carries no source
    key (the voter's page computes the same bytes, service/web/static/tracker.js)."""
    ballot = {"id": ballot_id, "round_id": round_id, "group_id": group_id, "answers": answers}
    if source != "online":
        ballot["source"] = source
    return ballot


def tracker(ballot_id: str, round_id: int, group_id: int, answers: dict, source: str = "online") -> bytes:
    """The receipt: SHA-256 of the stored ballot (its random id makes equal ballots differ)."""
    return hashlib.sha256(canonical(stored_ballot(ballot_id, round_id, group_id, answers, source))).digest()


_TO_TOKEN_ALPHABET = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", TOKEN_ALPHABET.encode("ascii"))


def short_tracker(digest: bytes) -> str:
    """The first 80 bits of a tracker in the token alphabet, grouped: what receipts show. Base32
    (RFC 4648) reads 5 bits a character from the top, as the token alphabet's digits do; only the
    alphabet differs, so a translation table maps one to the other."""
    chars = base64.b32encode(digest[:10]).translate(_TO_TOKEN_ALPHABET).decode("ascii")
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:12]}-{chars[12:]}"


# --- the packed counter -----------------------------------------------------------------
# Every (graded row, option) of a form has a slot of DIGITS decimal digits in one integer; a
# ballot's counter has 1 in the slots of its marks, so the sum of a group's counters holds
# every count at once (fewer than 10**DIGITS ballots a group and round).
DIGITS = 7


def mark_slots(sections: list[FormSection]) -> list[tuple[int, str, str]]:
    """(section id, row key, option) in slot order, for the graded (rating, approve) sections."""
    return [(sec.id, row.key, option) for sec in sections if sec.type in ("rating", "approve")
            for row in sec.rows for option in sec.options]


def pack_marks(sections: list[FormSection], clean: dict) -> int | None:
    """The counter of a validated ballot; None when the form has no graded section."""
    return marks_packer(sections)(clean)


def marks_packer(sections: list[FormSection]):
    """pack_marks for one form, its slots worked out once (the mixer packs thousands a batch)."""
    slots = mark_slots(sections)
    if not slots:
        return lambda clean: None
    weights = {slot: 10 ** (DIGITS * i) for i, slot in enumerate(slots)}
    graded = [(str(sec.id), sec.id) for sec in sections if sec.type in ("rating", "approve")]

    def pack(clean: dict) -> int:
        value = 0
        for key, sid in graded:
            for row, option in clean.get(key, {}).items():
                value += weights[(sid, row, option)]
        return value
    return pack


def unpack_counts(sections: list[FormSection], total: int) -> dict:
    """{(section id, row key, option): count} from the sum of counters."""
    out = {}
    for i, slot in enumerate(mark_slots(sections)):
        n = (total // 10 ** (DIGITS * i)) % 10 ** DIGITS
        if n:
            out[slot] = n
    return out
