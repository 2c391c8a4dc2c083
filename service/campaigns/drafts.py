"""Working on a draft from the campaign page: a part edited in place on its own page, moved up or
down, and the ballot previewed as a voter's phone will show it.

The preview builds the form with ballots.forms.build_form from the campaign's definition and
renders vote/ballot.html, as the ballot page (service/voting/pages.py) does for a token — but
without one: nothing is read from the tokens, nothing is written, and the page cannot be sent.
It does not go through the voting feature's cache of forms, which holds a round's form once
voting has begun, when the definition no longer changes; a draft's does.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request

from ballots import forms, lifecycle
from ballots.sections import SCALE_LABELS, SECTION_LABELS
from service.accounts.auth import CAMPAIGNS_READ, CAMPAIGNS_WRITE
from service.campaigns import operations as ops
from service.campaigns.forms import keep_unshown, scale_lines
from service.campaigns.pages import _FORMS, PARTS, detail_url
from service.core import db
from service.core.errors import Invalid, NotFound
from service.web import admin, form_action, page
from service.web.i18n import language, problem, t

bp = admin
PART_WORDS = {"groups": "参评群体", "subjects": "被测评对象", "rounds": "轮次", "sections": "题目"}
_SAVED = {"groups": "已修改参评群体", "subjects": "已修改被测评对象", "rounds": "已修改轮次", "sections": "已修改题目"}
PART_URL = "/campaigns/<int:campaign_id>/<any(groups, subjects, rounds, sections):part>/<int:part_id>"


def _anchor(campaign_id, part, part_id) -> str:
    return detail_url(campaign_id) + f"#{part[:-1]}-{part_id}"


@bp.get(PART_URL + "/edit")
@page(CAMPAIGNS_WRITE)
def edit_page(campaign_id, part, part_id):
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
        item = ops.get_part(cur, PARTS[part], campaign_id, part_id)
    if item is None:
        raise NotFound(f"no such {ops.PART_NAMES[PARTS[part]]} in this campaign")
    return render_template("admin/part_edit.html", c=c, part=part, item=item, words=PART_WORDS[part],
                           editable=lifecycle.allows("edit", c["state"]), section_labels=SECTION_LABELS,
                           scale_labels=SCALE_LABELS,
                           options_text=scale_lines((item.get("config") or {}).get("options")))


@bp.post(PART_URL + "/edit")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url, render=edit_page)
def edit_part(campaign_id, part, part_id):
    schema, parse = _FORMS[part]
    typed = parse(request.form)
    with db.transaction() as cur:
        if part == "sections":  # what only the API sets (a second cap, a key with no field) stays
            old = ops.get_part(cur, "sections", campaign_id, part_id)
            if old is not None and old["type"] == typed["type"]:
                typed["config"] = keep_unshown(old["config"], typed["config"])
        data = schema().load(typed)  # no position: the place stays (the arrows move it)
        ops.update_part(cur, g.user, PARTS[part], campaign_id, part_id, data)
    flash(_SAVED[part], "info")
    return redirect(_anchor(campaign_id, part, part_id))


@bp.post(PART_URL + "/move")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url)
def move_part(campaign_id, part, part_id):
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        raise Invalid("请选择上移或下移", {"fields": {"direction": ["请选择上移或下移"]}})
    with db.transaction() as cur:
        ops.move_part(cur, g.user, PARTS[part], campaign_id, part_id, direction)
    return redirect(_anchor(campaign_id, part, part_id))


@bp.get("/campaigns/<int:campaign_id>/rounds/<int:round_id>/preview/<int:group_id>")
@page(CAMPAIGNS_READ)
def preview(campaign_id, round_id, group_id):
    """The ballot of this round for this group, as the voter's page renders it, marked 预览."""
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
    rnd = next((r for r in c["rounds"] if r["id"] == round_id), None)
    group = next((gr for gr in c["groups"] if gr["id"] == group_id), None)
    if rnd is None or group is None:
        raise NotFound("no such round or voter group in this campaign")
    sections = forms.build_form(c, round_id, group_id)
    return render_template("vote/ballot.html", campaign=c, round=rnd, group=group, sections=sections,
                           answers={}, problems={}, token=None, code="", preview=True,
                           t=t, lang=language(), problem=problem)
