"""HTML form fields → the dicts the marshmallow schemas load.

Browsers send strings; these turn numbers and checkboxes into their types (leaving a
bad number as text, so the schema reports it) and leave validation to the schemas.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import request

from service.web import DEFAULT_ZONE, number


def _lines(value):
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _ids(form, name):
    ids = [number(v, integer=True) for v in form.getlist(name) if v.strip()]
    return ids or None


def _drop_none(d):
    return {k: v for k, v in d.items() if v is not None}


def scale_lines(options) -> str:
    """A scale of one's own as the section form's text shows it: a line an option, 名称 分值 +/-."""
    marks = {True: " +", False: " -", None: ""}
    return "\n".join(f"{o['label']}" + (f" {o['points']:g}" if o["points"] is not None else "")
                     + marks[o.get("favourable")] for o in options or [])


def _scale_options(text):
    """The lines of scale_lines back into options (a bad number stays text, for the schema to refuse)."""
    out = []
    for line in _lines(text):
        label, *rest = line.split()
        favourable = {"+": True, "-": False}.get(rest[-1]) if rest and rest[-1] in "+-" else None
        points = rest[0] if rest and rest[0] not in "+-" else None
        out.append({"label": label, "points": number(points) if points is not None else None, "favourable": favourable})
    return out


def campaign_form(form, with_rules):
    data = {"title": form.get("title", "").strip(), "description": form.get("description", "").strip()}
    if with_rules:
        quorum_share = number(form.get("quorum_share"))
        data["rules"] = _drop_none({
            "weight_base": form.get("weight_base") or None,
            "quorum": {"share": quorum_share, "base": form.get("quorum_base", "issued")}
            if quorum_share is not None else None,
            "majority": {"threshold": form.get("majority_threshold", "more_than_half"),
                         "base": form.get("majority_base", "valid")},
            "pass_line": number(form.get("pass_line")),
            "laggard_share": number(form.get("laggard_share")),
            "small_group_k": number(form.get("small_group_k"), integer=True),
            "publicity_days": number(form.get("publicity_days"), integer=True),
            "time_zone": form.get("time_zone", "").strip() or None,
            "sources": {k: number(form.get(f"sources_{k}")) for k in ("ballots", "organisation", "leaders")}
            if form.get("sources_ballots", "").strip() else None,
        })
        if "sources_trim_above" in form:  # an empty box means: never trim
            data["rules"]["sources_trim_above"] = number(form.get("sources_trim_above"), integer=True)
    return data


def group_form(form):
    return _drop_none({
        "name": form.get("name", "").strip(),
        "weight": number(form.get("weight")) if form.get("weight", "").strip() else "",
        "criteria": form.get("criteria", "").strip(),
        "eligible": number(form.get("eligible"), integer=True),
        "position": number(form.get("position"), integer=True),
    })


def subject_form(form):
    return _drop_none({
        "name": form.get("name", "").strip(),
        "kind": form.get("kind", ""),
        "category": form.get("category", "").strip(),
        "unit": form.get("unit", "").strip(),
        "commitment": form.get("commitment", "").strip(),
        "position": number(form.get("position"), integer=True),
    })


def round_form(form):
    return _drop_none({
        "title": form.get("title", "").strip(),
        "kind": form.get("kind", ""),
        "position": number(form.get("position"), integer=True),
        "opens_at": _local_time(form.get("opens_at", "")),
        "closes_at": _local_time(form.get("closes_at", "")),
    })


def _local_time(text: str):
    """A datetime-local field (2026-12-01T09:30, the campaign's own time: China's unless its rules
    name another zone) as the API takes it, with its offset; blank → None (no time); anything
    else goes to the schema as typed, for its error."""
    text = text.strip()
    if not text:
        return None
    try:
        naive = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if naive.tzinfo is not None:
        return text
    return naive.replace(tzinfo=ZoneInfo(_campaign_zone())).isoformat()


def _campaign_zone() -> str:
    """The zone of the campaign the form is for (its rules.time_zone; China's by default)."""
    from service.campaigns import operations as ops
    from service.core import db
    campaign_id = (request.view_args or {}).get("campaign_id")
    if campaign_id is None:
        return DEFAULT_ZONE
    with db.transaction() as cur:
        rules = ops.get_campaign(cur, campaign_id)["rules"]
    return rules.get("time_zone") or DEFAULT_ZONE


# The section configuration keys the page's form has fields for (section_form).
_FORM_KEYS = frozenset({"category", "rank_by", "scale", "options", "criteria", "caps", "max_choices", "quota",
                        "write_ins", "identical_invalid", "trim_above", "min", "max", "floors", "max_length"})


def keep_unshown(old: dict, new: dict) -> dict:
    """A section edited on the page keeps what the form cannot show (set through the API): every
    cap and floor after the first (the form edits the first), and keys it has no field for."""
    merged = {**{k: v for k, v in old.items() if k not in _FORM_KEYS}, **new}
    for key in ("caps", "floors"):
        rest = (old.get(key) or [])[1:]
        if rest:
            merged[key] = (new.get(key) or [])[:1] + rest
    return merged


def section_form(form):
    kind = form.get("type", "")
    config = {}
    if kind in ("rating", "choose", "approve", "score"):
        config["category"] = form.get("category", "").strip()
    if kind in ("rating", "approve"):
        config["rank_by"] = form.get("rank_by") or None  # empty: the scale's usual key
    if kind == "rating":
        config["scale"] = form.get("scale", "satisfaction")
        if form.get("options", "").strip():
            config["options"] = _scale_options(form.get("options"))
        config["criteria"] = _lines(form.get("criteria"))
        cap = number(form.get("cap_share"))
        if cap is not None and form.get("cap_option"):
            config["caps"] = [{"option": form.get("cap_option"), "max_share": cap}]
    elif kind == "choose":
        config["max_choices"] = number(form.get("max_choices"), integer=True)
        config["quota"] = number(form.get("quota"), integer=True)
        config["write_ins"] = form.get("write_ins") == "on"
    elif kind == "score":
        config["criteria"] = _lines(form.get("criteria"))
        config["identical_invalid"] = form.get("identical_invalid") == "on"
        trim = number(form.get("trim_above"), integer=True)
        config["trim_above"] = trim
        for bound in ("min", "max"):
            if form.get(f"score_{bound}", "").strip():
                config[bound] = number(form.get(f"score_{bound}"))
        # 至多 N 人 ≥ X（如“90 分以上不超过 3 人”），至少 N 人 < X（如“70 分以下至少 2 人”）
        if form.get("cap_at_least", "").strip() or form.get("cap_max_count", "").strip():
            config["caps"] = [{"at_least": number(form.get("cap_at_least")),
                               "max_count": number(form.get("cap_max_count"), integer=True)}]
        if form.get("floor_below", "").strip() or form.get("floor_min_count", "").strip():
            config["floors"] = [{"below": number(form.get("floor_below")),
                                 "min_count": number(form.get("floor_min_count"), integer=True)}]
    elif kind == "text":
        config["max_length"] = number(form.get("max_length"), integer=True) or 500
    position = number(form.get("position"), integer=True)
    return {
        "round_id": number(form.get("round_id"), integer=True),
        "type": kind,
        "title": form.get("title", "").strip(),
        "config": _drop_none(config) if kind != "score" else config,
        "subject_ids": _ids(form, "subject_ids"),
        "group_ids": _ids(form, "group_ids"),
    } | ({"position": position} if position is not None else {})
