"""What the mark reader proposes for one ballot from its pages' reads (ballots/omr.py, whose
docstring gives the rules: sure marks become answers, anything unclear is flagged, never guessed;
a solid box beside one √ in a one-answer row is a correction)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .omr import MarkRead, PageRead, RegionRead
from .paper_layout import PageLayout


class PagesMismatch(Exception):
    """propose() was given pages of different ballots."""


@dataclass
class Flag:
    key: tuple  # a box's key, a row's (section_id, row_key), or ("page", n) for a missing page
    reason: str  # "uncertain" | "two_marks" | "solid_beside_marks" | "page_missing"
    message: str  # Chinese, for the tellers' screen
    marks: list[MarkRead] = field(default_factory=list)  # the boxes to look at, with their crops


@dataclass
class Proposal:
    url: str
    answers: dict[str, Any]  # ballots.forms answers: rating, approve and choose sections only
    flagged: list[Flag]  # left out of answers: a teller decides
    to_type: list[RegionRead]  # score rows, write-in lines in use, text: crops to type from
    marks: dict[tuple, MarkRead]  # every box read, for the confirm screen
    corrected: list[tuple] = field(default_factory=list)  # solid boxes read as corrections
    missing_pages: list[int] = field(default_factory=list)


_MESSAGES = {"uncertain": "标记不清，请人工确认", "two_marks": "一行有两个标记，请人工确认",
             "solid_beside_marks": "涂黑的方框与划“√”的方框并存：是更正还是选择，请人工确认",
             "page_missing": "缺少这一页的扫描"}


def _flag(key, reason, marks=()) -> Flag:
    return Flag(key, reason, _MESSAGES[reason], list(marks))


def _row(reads: list[MarkRead]):
    """(the one sure mark's read or None, flag reason or None, corrected keys) of a one-answer row."""
    if any(r.state == "uncertain" for r in reads):
        return None, "uncertain", []
    marked = [r for r in reads if r.state == "marked"]
    if len(marked) <= 1:
        return (marked[0] if marked else None), None, []
    plain = [r for r in marked if r.solid is False]
    if len(plain) == 1 and all(r.solid is True for r in marked if r is not plain[0]):
        return plain[0], None, [r.key for r in marked if r is not plain[0]]
    return None, "two_marks", []


def propose(sections: list, layouts: list[PageLayout], reads: list[PageRead]) -> Proposal:
    """The answers (ballots.forms format) the marks of one ballot's pages are sure of, and the rest.
    `sections` are ballots.forms.FormSection (build_form), `layouts` paper_layout.layout(head)."""
    if len({r.url for r in reads}) > 1:
        raise PagesMismatch("pages of different ballots")
    marks = {k: m for r in reads for k, m in r.marks.items()}
    regions = {k: g for r in reads for k, g in r.regions.items()}
    read_pages = {r.page for r in reads}
    missing = sorted({lay.page for lay in layouts} - read_pages)
    out = Proposal(reads[0].url if reads else "", {}, [_flag(("page", n), "page_missing") for n in missing], [], marks,
                   missing_pages=missing)
    for sec in sections:
        if sec.type in ("rating", "approve"):
            _propose_rows(sec, marks, out)
        elif sec.type == "choose":
            _propose_choose(sec, marks, out)
    for lay in layouts:
        for box in lay.boxes:
            if box.key in regions and (box.kind != "write_in" or not regions[box.key].blank
                                       or marks[box.key].state != "empty"):
                out.to_type.append(regions[box.key])
    return out


def _propose_rows(sec, marks: dict, out: Proposal) -> None:
    answers = {}
    for row in sec.rows:
        reads = [marks[k] for k in ((sec.id, row.key, opt) for opt in sec.options) if k in marks]
        if not reads:
            continue  # on a missing page: flagged there
        chosen, reason, corrected = _row(reads)
        if reason:
            out.flagged.append(_flag((sec.id, row.key), reason, reads))
        elif chosen is not None:
            answers[row.key] = chosen.key[2]
            out.corrected += corrected
    out.answers[str(sec.id)] = answers


def _propose_choose(sec, marks: dict, out: Proposal) -> None:
    reads = [m for k, m in marks.items() if k[0] == sec.id and k[1] == "subject"]
    for r in reads:
        if r.state == "uncertain":
            out.flagged.append(_flag(r.key, "uncertain", [r]))
    marked = [r for r in reads if r.state == "marked"]
    unclear = [r for r in marked if r.solid is not False] if any(r.solid is False for r in marked) else []
    for r in unclear:
        out.flagged.append(_flag(r.key, "solid_beside_marks", [r]))
    for k, m in marks.items():
        if k[0] == sec.id and k[1] == "write_in" and m.state == "uncertain":
            out.flagged.append(_flag(k, "uncertain", [m]))
    chosen = [r.key[2] for r in marked if r not in unclear]
    out.answers[str(sec.id)] = {"chosen": chosen, "write_ins": []}
