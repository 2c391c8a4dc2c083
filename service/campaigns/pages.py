"""Admin pages for campaigns: list, create, edit the draft, import subjects, transitions."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from ballots import lifecycle
from ballots.sections import MAJORITY_BASES, MAJORITY_LABELS, QUORUM_BASES, SCALE_LABELS, SECTION_LABELS, WEIGHT_BASES
from service.accounts.auth import CAMPAIGNS_READ, CAMPAIGNS_WRITE
from service.campaigns import copies
from service.campaigns import operations as ops
from service.campaigns import queries as q
from service.campaigns.forms import campaign_form, group_form, round_form, section_form, subject_form
from service.campaigns.imports import parse_subjects
from service.campaigns.schemas import CampaignIn, CampaignPatch, CopyIn, FromTemplateIn, GroupIn, RoundIn, SectionIn, SubjectIn
from service.core import db
from service.core.errors import Invalid
from service.core.event_queries import list_events
from service.core.uploads import read_upload
from service.issuance import operations as issuance
from service.web import admin, form_action, messages, number, page, use_zone

bp = admin  # the admin pages' blueprint (service.web): a campaign's own pages
LAYOUT_LABELS = {"slips-2x4": "裁切票条 A4 每页 8 张", "slips-3x6": "裁切票条 A4 每页 18 张",
                 "paper": "纸质选票（每票一整页）", "png": "单张二维码图片 PNG", "svg": "单张二维码图片 SVG",
                 "csv": "票码 CSV（交印刷厂套打，不生成 PDF）"}
PARTS = {"groups": "voter_groups", "subjects": "subjects", "rounds": "rounds", "sections": "sections"}


def detail_url(campaign_id, **_):
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


def again(campaign_id, **_):
    """The campaign page once more, with the refused form's messages and values (form_action)."""
    return campaign(campaign_id)


@bp.get("/")
@page(CAMPAIGNS_READ)
def index():
    with db.transaction() as cur:
        rows = q.list_campaigns(cur)
    return render_template("admin/index.html", campaigns=rows, templates=copies.templates())


@bp.post("/campaigns")
@page(CAMPAIGNS_WRITE)
@form_action(lambda **_: url_for("admin.index"), render=lambda **_: index())
def create_campaign():
    data = CampaignIn().load(campaign_form(request.form, with_rules=False))
    with db.transaction() as cur:
        row = ops.create_campaign(cur, g.user, data)
    flash("测评活动已创建", "info")
    return redirect(url_for("admin.campaign", campaign_id=row["id"]))


def _title(form) -> dict:
    title = form.get("title", "").strip()
    return {"title": title} if title else {}


@bp.post("/campaigns/from-template")
@page(CAMPAIGNS_WRITE)
@form_action(lambda **_: url_for("admin.index"), render=lambda **_: index())
def create_from_template():
    data = FromTemplateIn().load({"template": request.form.get("template", ""), **_title(request.form)})
    with db.transaction() as cur:
        row = copies.from_template(cur, g.user, data["template"], data.get("title"))
    flash("已按模板创建草稿：请把示例被测评对象换成本单位的名单（逐个修改，或导入 CSV / XLSX），再检查题目和参评群体", "info")
    return redirect(url_for("admin.campaign", campaign_id=row["id"]))


@bp.post("/campaigns/copy")
@page(CAMPAIGNS_WRITE)
@form_action(lambda **_: url_for("admin.index"), render=lambda **_: index())
def copy_campaign():
    source = number(request.form.get("source", ""), integer=True)
    if not isinstance(source, int):
        raise Invalid("请选择要复制的测评活动", {"fields": {"source": ["请选择要复制的测评活动"]}})
    data = CopyIn().load(_title(request.form))
    with db.transaction() as cur:
        row = copies.copy_campaign(cur, g.user, source, data.get("title"))
    flash("已复制为新的草稿（不含选票、票码、结果和操作记录），请检查后公告", "info")
    return redirect(url_for("admin.campaign", campaign_id=row["id"]))


@bp.get("/campaigns/<int:campaign_id>")
@page(CAMPAIGNS_READ)
def campaign(campaign_id):
    from service.publication import operations as publication
    from service.results import operations as res
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
        events = list_events(cur, campaign_id, limit=50)
        batches = issuance.batches(cur, campaign_id)
        mine = {(e["subject_id"], e["source"]): e for e in res.listing(cur, campaign_id)
                if e["entered_by"] == g.user.actor}
        has_list = lifecycle.allows("show_list", c["state"])
        pub = publication.get(cur, campaign_id) if has_list else None
        objections = publication.objections(cur, campaign_id) if has_list else []
        recommended = _recommended(cur, c) if lifecycle.allows("publish", c["state"]) else {}
    ops.annotate_sections(c)
    use_zone(c["rules"])
    return render_template(
        "admin/campaign.html", c=c, events=events, editable=lifecycle.allows("edit", c["state"]), batches=batches, mine=mine,
        pub=pub, objections=objections, today=publication.today(), objection_labels=messages.OBJECTION_LABELS,
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
@form_action(detail_url, render=again)
def edit_campaign(campaign_id):
    data = CampaignPatch().load(campaign_form(request.form, with_rules=True))
    with db.transaction() as cur:
        ops.update_campaign(cur, g.user, campaign_id, data)
    flash("已保存", "info")
    return redirect(detail_url(campaign_id))


_FORMS = {"groups": (GroupIn, group_form), "subjects": (SubjectIn, subject_form),
          "rounds": (RoundIn, round_form), "sections": (SectionIn, section_form)}
_ADDED = {"groups": "已添加参评群体", "subjects": "已添加被测评对象", "rounds": "已添加轮次",
          "sections": "已添加题目"}


@bp.post("/campaigns/<int:campaign_id>/<any(groups, subjects, rounds, sections):part>")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url, render=again)
def add_part(campaign_id, part):
    schema, parse = _FORMS[part]
    data = schema().load(parse(request.form))
    with db.transaction() as cur:
        ops.add_part(cur, g.user, PARTS[part], campaign_id, data)
    flash(_ADDED[part], "info")
    return redirect(detail_url(campaign_id) + f"#{part}")


@bp.post("/campaigns/<int:campaign_id>/<any(groups, subjects, rounds, sections):part>/<int:part_id>/delete")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url, render=again)
def delete_part(campaign_id, part, part_id):
    with db.transaction() as cur:
        ops.delete_part(cur, g.user, PARTS[part], campaign_id, part_id)
    flash("已删除", "info")
    return redirect(detail_url(campaign_id) + f"#{part}")


@bp.post("/campaigns/<int:campaign_id>/subjects/import")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url, render=again)
def import_subjects(campaign_id):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("请选择要导入的 CSV 或 XLSX 文件")
    limit = current_app.config["SETTINGS"].upload_max_bytes
    rows = parse_subjects(upload.filename, read_upload(upload, limit))
    with db.transaction() as cur:
        added = ops.import_subjects(cur, g.user, campaign_id, rows)
    flash(f"已导入 {len(added)} 个被测评对象", "info")
    return redirect(detail_url(campaign_id) + "#subjects")


@bp.post("/campaigns/<int:campaign_id>/transition")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url, render=again)
def transition(campaign_id):
    target = request.form.get("to", "")
    with db.transaction() as cur:
        row = ops.transition(cur, g.user, campaign_id, target)
    flash(f"状态已变为「{lifecycle.LABELS[row['state']]}」", "info")
    return redirect(detail_url(campaign_id))


@bp.post("/campaigns/<int:campaign_id>/delete")
@page(CAMPAIGNS_WRITE)
@form_action(detail_url, render=again)
def delete_campaign(campaign_id):
    with db.transaction() as cur:
        ops.delete_campaign(cur, g.user, campaign_id)
    flash("测评活动已删除", "info")
    return redirect(url_for("admin.index"))












