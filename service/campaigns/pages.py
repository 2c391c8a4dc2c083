"""Admin pages for campaigns: list, create, edit the draft, import subjects, transitions."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from ballots import lifecycle
from ballots.sections import MAJORITY_BASES, MAJORITY_LABELS, QUORUM_BASES, SCALE_LABELS, SECTION_LABELS, WEIGHT_BASES
from service.accounts.auth import CAMPAIGNS_READ, CAMPAIGNS_WRITE, COMMENTS_READ
from service.campaigns import operations as ops
from service.campaigns import queries as q
from service.campaigns.forms import _num, campaign_form, group_form, round_form, section_form, subject_form
from service.campaigns.imports import parse_subjects, read_upload
from service.campaigns.schemas import CampaignIn, CampaignPatch, GroupIn, RoundIn, SectionIn, SubjectIn
from service.core import db
from service.core.errors import Invalid
from service.core.events import list_events
from service.issuance import operations as issuance
from service.web import form_action, page, use_zone

bp = Blueprint("admin", __name__, url_prefix="/admin")
LAYOUT_LABELS = {"slips-2x4": "裁切票条 A4 每页 8 张", "slips-3x6": "裁切票条 A4 每页 18 张",
                 "paper": "纸质选票（每票一整页）", "png": "单张二维码图片 PNG", "svg": "单张二维码图片 SVG"}
PARTS = {"groups": "voter_groups", "subjects": "subjects", "rounds": "rounds", "sections": "sections"}
OBJECTION_LABELS = {"open": "待处理", "verified": "已核实", "rejected": "不成立"}


def _detail(campaign_id, **_):
    return url_for("admin.campaign", campaign_id=campaign_id)


def _recommended(cur, c) -> dict:
    """{subject id: the sections that recommend it} from the closed rounds' choose sections: what
    the 公示 form proposes (the organiser may change it)."""
    from service.results import operations as res
    out: dict = {}
    for rnd in c["rounds"]:
        for sec in res.round_results(cur, c["id"], rnd["id"])["sections"]:
            for e in sec.get("candidates", []):
                if e["recommended"] and e["subject_id"] is not None:
                    out.setdefault(e["subject_id"], []).append(sec["title"])
    return out


def _ballot_address() -> dict:
    """Where the printed ballots send phones, and whether no phone can get there."""
    from urllib.parse import urlsplit

    from service.core.config import is_loopback
    base = current_app.config["SETTINGS"].base_url
    return {"vote": f"{urlsplit(base).netloc}{urlsplit(base).path}/vote",
            "loopback": is_loopback(urlsplit(base).hostname or "")}


def _again(campaign_id, **_):
    """The campaign page once more, with the refused form's messages and values (form_action)."""
    return campaign(campaign_id)


@bp.get("/")
@page(CAMPAIGNS_READ)
def index():
    with db.transaction() as cur:
        rows = q.list_campaigns(cur)
    return render_template("admin/index.html", campaigns=rows)


@bp.post("/campaigns")
@page(CAMPAIGNS_WRITE)
@form_action(lambda **_: url_for("admin.index"), render=lambda **_: index())
def create_campaign():
    data = CampaignIn().load(campaign_form(request.form, with_rules=False))
    with db.transaction() as cur:
        row = ops.create_campaign(cur, g.user, data)
    flash("测评活动已创建", "info")
    return redirect(url_for("admin.campaign", campaign_id=row["id"]))


@bp.get("/campaigns/<int:campaign_id>")
@page(CAMPAIGNS_READ)
def campaign(campaign_id):
    from service.publication import operations as publication
    from service.results import sources
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
        events = list_events(cur, campaign_id, limit=50)
        batches = issuance.batches(cur, campaign_id)
        mine = {(e["subject_id"], e["source"]): e for e in sources.listing(cur, campaign_id)
                if e["entered_by"] == g.user.actor}
        has_list = c["state"] in ("published", "archived")
        pub = publication.get(cur, campaign_id) if has_list else None
        objections = publication.objections(cur, campaign_id) if has_list else []
        recommended = _recommended(cur, c) if lifecycle.allows("publish", c["state"]) else {}
    ops.annotate_sections(c)
    use_zone(c["rules"])
    return render_template(
        "admin/campaign.html", c=c, events=events, editable=lifecycle.allows("edit", c["state"]), batches=batches, mine=mine,
        pub=pub, objections=objections, today=publication.today(), objection_labels=OBJECTION_LABELS,
        recommended=recommended, ballot_address=_ballot_address(),
        issuing=lifecycle.allows("issue", c["state"]), layouts=LAYOUT_LABELS,
        groups_by_id={gr["id"]: gr["name"] for gr in c["groups"]},
        rounds_by_id={r["id"]: r["title"] for r in c["rounds"]},
        can_write=g.user.can(CAMPAIGNS_WRITE), next_state=lifecycle.NEXT.get(c["state"]),
        action_labels=lifecycle.ACTION_LABELS, section_labels=SECTION_LABELS, scale_labels=SCALE_LABELS,
        majority_labels=MAJORITY_LABELS, majority_bases=MAJORITY_BASES, quorum_bases=QUORUM_BASES,
        weight_bases=WEIGHT_BASES,
    )


@bp.post("/campaigns/<int:campaign_id>/edit")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def edit_campaign(campaign_id):
    data = CampaignPatch().load(campaign_form(request.form, with_rules=True))
    with db.transaction() as cur:
        ops.update_campaign(cur, g.user, campaign_id, data)
    flash("已保存", "info")
    return redirect(_detail(campaign_id))


_FORMS = {"groups": (GroupIn, group_form), "subjects": (SubjectIn, subject_form),
          "rounds": (RoundIn, round_form), "sections": (SectionIn, section_form)}
_ADDED = {"groups": "已添加参评群体", "subjects": "已添加被测评对象", "rounds": "已添加轮次",
          "sections": "已添加题目"}


@bp.post("/campaigns/<int:campaign_id>/<any(groups, subjects, rounds, sections):part>")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def add_part(campaign_id, part):
    schema, parse = _FORMS[part]
    data = schema().load(parse(request.form))
    with db.transaction() as cur:
        ops.add_part(cur, g.user, PARTS[part], campaign_id, data)
    flash(_ADDED[part], "info")
    return redirect(_detail(campaign_id) + f"#{part}")


@bp.post("/campaigns/<int:campaign_id>/<any(groups, subjects, rounds, sections):part>/<int:part_id>/delete")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def delete_part(campaign_id, part, part_id):
    with db.transaction() as cur:
        ops.delete_part(cur, g.user, PARTS[part], campaign_id, part_id)
    flash("已删除", "info")
    return redirect(_detail(campaign_id) + f"#{part}")


@bp.post("/campaigns/<int:campaign_id>/subjects/import")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def import_subjects(campaign_id):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("请选择要导入的 CSV 或 XLSX 文件")
    limit = current_app.config["SETTINGS"].upload_max_bytes
    rows = parse_subjects(upload.filename, read_upload(upload, limit))
    with db.transaction() as cur:
        added = ops.import_subjects(cur, g.user, campaign_id, rows)
    flash(f"已导入 {len(added)} 个被测评对象", "info")
    return redirect(_detail(campaign_id) + "#subjects")


@bp.post("/campaigns/<int:campaign_id>/transition")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def transition(campaign_id):
    target = request.form.get("to", "")
    with db.transaction() as cur:
        row = ops.transition(cur, g.user, campaign_id, target)
    ops.after_transition(current_app.config["DATABASE_DSN"], row["state"])
    flash(f"状态已变为「{lifecycle.LABELS[row['state']]}」", "info")
    return redirect(_detail(campaign_id))


@bp.post("/campaigns/<int:campaign_id>/delete")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def delete_campaign(campaign_id):
    with db.transaction() as cur:
        ops.delete_campaign(cur, g.user, campaign_id)
    flash("测评活动已删除", "info")
    return redirect(url_for("admin.index"))


@bp.post("/campaigns/<int:campaign_id>/publish")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def publish(campaign_id):
    from service.publication import operations as publication
    from service.publication.schemas import PublicationIn
    award = request.form.get("award", "").strip()
    data = PublicationIn().load({
        "honourees": [{"subject_id": int(sid), "award": award} for sid in request.form.getlist("subject_ids")
                      if sid.isdigit()],
        "starts_on": request.form.get("starts_on") or None,
        "backdate_reason": request.form.get("backdate_reason", "").strip(),
        "note": request.form.get("note", "").strip(),
    })
    with db.transaction() as cur:
        pub = publication.publish(cur, g.user, campaign_id, data)
    flash(f"已公示：{pub['starts_on']} 至 {pub['ends_on']}（{pub['working_days']} 个工作日）", "info")
    return redirect(_detail(campaign_id))


@bp.post("/campaigns/<int:campaign_id>/objections/<int:objection_id>")
@page(CAMPAIGNS_WRITE)
@form_action(lambda **kw: _detail(**kw) + "#publicity", render=_again)
def answer_objection(campaign_id, objection_id):
    from service.publication import operations as publication
    from service.publication.schemas import ObjectionAnswerIn
    data = ObjectionAnswerIn().load({"status": request.form.get("status", ""),
                                     "reply": request.form.get("reply", "").strip()})
    with db.transaction() as cur:
        publication.handle_objection(cur, g.user, campaign_id, objection_id, data)
    flash(f"已记录：{OBJECTION_LABELS[data['status']]}", "info")
    return redirect(_detail(campaign_id) + "#publicity")


@bp.post("/campaigns/<int:campaign_id>/publication/confirm")
@page(CAMPAIGNS_WRITE)
@form_action(lambda **kw: _detail(**kw) + "#publicity", render=_again)
def confirm_publication(campaign_id):
    from service.publication import operations as publication
    from service.publication.schemas import ConfirmIn
    data = ConfirmIn().load({
        "honouree_ids": [int(h) for h in request.form.getlist("honouree_ids") if h.isdigit()],
        "despite_open_objections": request.form.get("despite_open_objections") == "on"})
    with db.transaction() as cur:
        pub = publication.confirm(cur, g.user, campaign_id, data)
    kept = sum(1 for h in pub["honourees"] if h["final"])
    flash(f"最终名单已确定：{kept} 名", "info")
    return redirect(_detail(campaign_id) + "#publicity")


@bp.get("/campaigns/<int:campaign_id>/results")
@page(CAMPAIGNS_READ)
def results_page(campaign_id):
    """Every round's results with charts, print-friendly (the same data as the JSON API)."""
    from ballots import charts
    from ballots.display import pct_value
    from ballots.sections import MAJORITY_THRESHOLDS
    from service.results import operations as res
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
        if not lifecycle.allows("results", c["state"]):
            flash("投票结束后才能查看结果", "error")
            return redirect(_detail(campaign_id))
        rounds = [res.round_results(cur, campaign_id, r["id"]) for r in c["rounds"]]
        may_read = g.user.can(COMMENTS_READ)
        notes = {r["id"]: res.comments(cur, campaign_id, r["id"]) for r in c["rounds"]} if may_read else {}
    use_zone(c["rules"])
    figures = {}
    for rnd in rounds:
        for sec in rnd["sections"]:
            if "rows" in sec:
                sec["rows"].sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
            if sec["type"] in ("rating", "approve"):
                if not any(sum(row["counts"].values()) for row in sec["rows"]):
                    continue  # nothing marked yet: the page says so instead of drawing empty bars
                # Every group's marks, withheld groups included (the tally gives them only summed).
                rows = [(row["name"] + (f"·{row['criterion']}" if row["criterion"] else ""), row["counts"])
                        for row in sec["rows"]]
                ranked = sorted(sec["rows"], key=lambda r: (r["rank"] is None, r["rank"] or 0))
                # The bars show the figure the section ranks by, in the order of its ranks.
                by, rate = sec["rank_by"], "赞成率" if sec["type"] == "approve" else "满意率"
                if by == "mean":
                    bars = [(r["name"], r["mean"], r["rank"]) for r in ranked]
                    caption = f"{sec['title']}：综合得分排名"
                else:
                    bars = [(r["name"], pct_value(r[by]), r["rank"]) for r in ranked]
                    caption = f"{sec['title']}：{rate if by == 'rate' else '不满意率'}排名（%）"
                figures[sec["id"]] = [charts.stacked_bars(rows, sec["options"], f"{sec['title']}：评价分布"),
                                      charts.ranking_bars(bars, caption)]
            elif sec["type"] == "choose":
                num, den = MAJORITY_THRESHOLDS[sec["majority"]["threshold"]]
                figures[sec["id"]] = [charts.ranking_bars(
                    [(e["name"], pct_value(e["share"]), e["rank"])
                     for e in sec["candidates"]], f"{sec['title']}：得票率", line=100 * num / den,
                    line_label=_LINE_LABELS[sec["majority"]["threshold"]])]
            elif sec["type"] == "score" and any(r["mean"] is not None for r in sec["rows"]):
                figures[sec["id"]] = [charts.ranking_bars([(r["name"], r["mean"], r["rank"]) for r in sec["rows"]],
                                                          f"{sec['title']}：得分")]
    from ballots.sections import MAJORITY_LABELS
    return render_template("admin/results.html", c=c, rounds=rounds, figures=figures, notes=notes,
                           majority_labels=MAJORITY_LABELS, small_group_k=c["rules"].get("small_group_k", 5))


_LINE_LABELS = {"more_than_half": "过半数线 50%", "two_thirds": "三分之二线 66.7%", "sixty_percent": "60% 线"}


@bp.post("/campaigns/<int:campaign_id>/scores")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def enter_scores(campaign_id):
    """组织考评 / 领导点评 from the campaign page: one score (and comment) per subject filled in."""
    from service.results import sources
    from service.results.schemas import SourceScoreIn
    source = request.form.get("source", "")
    entered = 0
    with db.transaction() as cur:
        for key, raw in request.form.items():
            if not key.startswith("score-") or not raw.strip():
                continue
            subject = key.removeprefix("score-")
            data = SourceScoreIn().load({
                "subject_id": int(subject) if subject.isdigit() else subject,
                "source": source, "score": _num(raw),
                "comment": request.form.get(f"comment-{subject}", "").strip()})
            sources.enter(cur, g.user, campaign_id, data)
            entered += 1
    flash(f"已保存 {entered} 个评分", "info")
    return redirect(_detail(campaign_id) + "#scores")
