"""The campaign lifecycle: draft → announced → open → closed → published → archived.

Transitions are forward-only: once criteria and quotas are public (公开 #1) they
cannot be withdrawn, and a closed round cannot be reopened.
"""
from __future__ import annotations

STATES = ("draft", "announced", "open", "closed", "published", "archived")
NEXT = {
    "draft": "announced",
    "announced": "open",
    "open": "closed",
    "closed": "published",
    "published": "archived",
}
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
PUBLIC_STATES = frozenset(STATES[1:])


class TransitionRefused(Exception):
    def __init__(self, current: str, target: str, reason: str):
        super().__init__(reason)
        self.current, self.target, self.reason = current, target, reason


def check_transition(current: str, target: str) -> None:
    if target not in STATES:
        raise TransitionRefused(current, target, f"unknown state {target!r}")
    if NEXT.get(current) != target:
        allowed = NEXT.get(current)
        hint = f"; the only next state is {allowed}" if allowed else "; it is final"
        raise TransitionRefused(
            current, target,
            f"cannot move a campaign from {current} to {target}: it is {current}{hint}",
        )


def readiness(definition: dict) -> list[str]:
    """What keeps a draft from being announced (empty when it is ready)."""
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
    """The subjects a section covers: its explicit list, else all (filtered by category)."""
    if section.get("subject_ids"):
        return [subjects[i] for i in section["subject_ids"] if i in subjects]
    category = section["config"].get("category")
    return [s for s in subjects.values() if not category or s["category"] == category]
