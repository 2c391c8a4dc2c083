"""The campaign lifecycle: draft → announced → open → closed → published → archived, and what
each state allows. Every rule about states is here; the service asks, it does not decide.

Transitions are forward-only: once criteria and quotas are public (公开 #1) they cannot be
withdrawn, and a closed round cannot be reopened. A campaign that publishes no list (a plain
测评) may be archived straight from closed; one that published a 公示 is archived only after
the window has ended and the final list is confirmed. docs/lifecycle.md has the table.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

STATES = ("draft", "announced", "open", "closed", "published", "archived")
# Each target state and the states it may be reached from.
SOURCES = {
    "announced": ("draft",),
    "open": ("announced",),
    "closed": ("open",),
    "published": ("closed",),
    "archived": ("closed", "published"),
}
NEXT = {"draft": "announced", "announced": "open", "open": "closed", "closed": "published",
        "published": "archived"}  # the usual next step, which the campaign page offers first
LABELS = {
    "draft": "草稿",
    "announced": "已公告",
    "open": "投票中",
    "closed": "投票结束",
    "published": "公示中",
    "archived": "已归档",
}
ACTION_LABELS = {
    "announced": "发布公告（公开评选标准和名额）",
    "open": "开始投票",
    "closed": "结束投票",
    "published": "公布结果并公示",
    "archived": "归档",
}
# The column of `campaigns` that keeps when each state was entered (migration 0013).
ENTERED_AT = {"announced": "announced_at", "open": "opened_at", "closed": "closed_at",
              "published": "published_at", "archived": "archived_at"}

# What entering a state sets off besides the state itself, in the order it runs (the service's
# campaigns.transition runs them; service/voting/operations.py implements them). Opening makes
# each round's sealing key; the close mixes every sealed ballot left, in the closing transaction,
# and destroys the keys once it has committed (docs/voting.md); it waits for the paper count:
# no paper ballot may be left half keyed (docs/paper.md).
EFFECTS = {
    "open": ("round_keys_made",),
    "closed": ("paper_settled", "ballots_mixed", "checkpoints_signed", "round_keys_destroyed"),
}

# What may be done in which states.
ACTIONS = {
    "edit": frozenset({"draft"}),                      # the definition, parts, rules; deleting the draft
    "issue": frozenset({"announced", "open"}),         # batches, hand-outs, voiding
    "cast": frozenset({"open"}),
    "enter_scores": frozenset({"open", "closed"}),     # 组织考评 and 领导点评
    "results": frozenset({"closed", "published", "archived"}),
    "publish": frozenset({"closed"}),                  # opens the 公示 window
    "object": frozenset({"published"}),                # and only inside the window
    "handle_objection": frozenset({"published"}),
    "confirm": frozenset({"published"}),               # and only after the window
    "show_list": frozenset({"published", "archived"}), # the published list and its 公示 page
    "public": frozenset(STATES[1:]),                   # the announcement, projector, board
    "listed": frozenset(STATES[1:5]),                  # on the public home page
}
PUBLIC_STATES = ACTIONS["public"]


def allows(action: str, state: str) -> bool:
    return state in ACTIONS[action]


class TransitionRefused(Exception):
    def __init__(self, current: str, target: str, reason: str, code: str = "invalid_transition",
                 details: dict | None = None):
        super().__init__(reason)
        self.current, self.target, self.reason, self.code = current, target, reason, code
        self.details = details or {}


@dataclass(frozen=True)
class Publicity:
    """What the transitions need to know of a campaign's 公示 (None: nothing was published)."""
    starts_on: dt.date
    ends_on: dt.date
    confirmed: bool


def check_transition(current: str, target: str, problems: list[str] | None = None,
                     publicity: Publicity | None = None, today: dt.date | None = None) -> None:
    """Refuse a transition the rules do not allow, saying why (TransitionRefused.code names it)."""
    if target not in STATES:
        raise TransitionRefused(current, target, f"unknown state {target!r}")
    if current not in SOURCES.get(target, ()):
        nexts = [t for t, sources in SOURCES.items() if current in sources]
        hint = f"; it can move to {' or '.join(nexts)}" if nexts else "; it is final"
        raise TransitionRefused(current, target,
                                f"cannot move a campaign from {current} to {target}: it is {current}{hint}")
    if target == "announced" and problems:
        raise TransitionRefused(current, target, "the campaign is not ready to be announced", "not_ready",
                                {"problems": problems})
    if target == "archived" and current == "published":
        _check_archive(current, publicity, today)


def _check_archive(current: str, publicity: Publicity | None, today: dt.date | None) -> None:
    if publicity is None or publicity.confirmed:
        return
    if today is not None and today <= publicity.ends_on:
        raise TransitionRefused(current, "archived", f"the 公示 runs until {publicity.ends_on}; a campaign is "
                                "archived after the window has ended and the final list is confirmed",
                                "publicity_not_ended", {"ends_on": publicity.ends_on.isoformat()})
    raise TransitionRefused(current, "archived", "confirm the final list (表彰) before archiving",
                            "not_confirmed")


def publicity_status(state: str, publicity: Publicity | None, today: dt.date) -> str | None:
    """The 公示 as the public page states it: not_started, open, ended, confirmed or archived."""
    if publicity is None:
        return None
    if state == "archived":
        return "archived"
    if publicity.confirmed:
        return "confirmed"
    if today < publicity.starts_on:
        return "not_started"
    return "open" if today <= publicity.ends_on else "ended"


PUBLICITY_LABELS = {"not_started": "公示尚未开始", "open": "公示中", "ended": "公示期已结束",
                    "confirmed": "公示结束，名单已确定", "archived": "已归档"}


def visible(text: str) -> str:
    """The text without blanks of any kind (spaces, 全角空格, zero-width and direction marks)."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cf", "Zs", "Cc"))


def check_publicity_start(starts_on: dt.date, today: dt.date, reason: str) -> None:
    """A 公示 starts today or later; one that began earlier (the list was already posted on
    paper, say) needs the organiser's stated reason, which is recorded."""
    if starts_on < today and len(visible(reason)) < 2:
        raise TransitionRefused("closed", "published",
                                f"a 公示 cannot start before today ({today}) unless you state why",
                                "backdated_without_reason", {"today": today.isoformat()})


def check_publicity_window(ends_on: dt.date, today: dt.date) -> None:
    """However it began, a 公示 still runs when it is published: one whose every day is past would
    give the public no day to object in."""
    if ends_on < today:
        raise TransitionRefused("closed", "published",
                                f"that 公示 would have ended on {ends_on}, before today ({today}); choose a "
                                "later start", "window_already_over", {"ends_on": ends_on.isoformat(),
                                                                       "today": today.isoformat()})


def readiness(definition: dict, now=None) -> list[str]:
    """What keeps a draft from being announced (empty when it is ready). With `now`, a round
    whose closing time has passed is one (announced, the schedule would close it at once)."""
    problems = []
    groups = definition.get("groups", [])
    if not groups:
        problems.append("至少需要一个参评群体")
    elif not any(float(g["weight"]) > 0 for g in groups):
        problems.append("参评群体的权重不能全为 0")
    if not definition.get("subjects"):
        problems.append("至少需要一个被测评对象")
    rounds = definition.get("rounds", [])
    if not rounds:
        problems.append("至少需要一个轮次")
    subjects = {s["id"]: s for s in definition.get("subjects", [])}
    for rnd in rounds:
        if not rnd.get("sections"):
            problems.append(f"轮次「{rnd['title']}」还没有题目")
        if now is not None and rnd.get("closes_at") is not None and rnd["closes_at"] <= now:
            problems.append(f"轮次「{rnd['title']}」的结束投票时间已过，请修改或清空")
        for sec in rnd.get("sections", []):
            rows = section_subjects(sec, subjects)
            if sec["type"] in ("rating", "score", "approve") and not rows:
                problems.append(f"题目「{sec['title']}」没有对象")
            if sec["type"] == "choose":
                n = sec["config"]["max_choices"]
                if len(rows) < n and not sec["config"].get("write_ins"):
                    problems.append(f"题目「{sec['title']}」候选人少于限选人数 {n}")
    return problems


def section_subjects(section: dict, subjects: dict) -> list[dict]:
    """The subjects a section covers: its explicit list, else all (filtered by category); a
    text section (意见建议) covers none."""
    if section["type"] == "text":
        return []
    if section.get("subject_ids"):
        return [subjects[i] for i in section["subject_ids"] if i in subjects]
    category = section["config"].get("category")
    return [s for s in subjects.values() if not category or s["category"] == category]
