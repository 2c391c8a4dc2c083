"""公开 #2 on the campaign page: publish the 公示, answer objections, confirm the final list."""
from __future__ import annotations

from flask import flash, g, redirect, request

from service.accounts.auth import CAMPAIGNS_WRITE
from service.campaigns.pages import again as _again
from service.campaigns.pages import detail_url as _detail
from service.core import db
from service.web import admin, form_action, messages, page

bp = admin  # the admin pages' blueprint (service.web)
@bp.post("/campaigns/<int:campaign_id>/publish")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def publish(campaign_id):
    from service.publication import operations as publication
    from service.publication.schemas import PublicationIn
    award = request.form.get("award", "").strip()
    data = PublicationIn().load({
        # each honouree's own title (优秀共产党员, 优秀党务工作者 …), else the one for all
        "honourees": [{"subject_id": int(sid), "award": request.form.get(f"award_{sid}", "").strip() or award}
                      for sid in request.form.getlist("subject_ids") if sid.isdigit()],
        "starts_on": request.form.get("starts_on") or None,
        "backdate_reason": request.form.get("backdate_reason", "").strip(),
        "note": request.form.get("note", "").strip(),
        "issuer": request.form.get("issuer", "").strip(),
        "objection_contact": request.form.get("objection_contact", "").strip(),
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
    flash(f"已记录：{messages.OBJECTION_LABELS[data['status']]}", "info")
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


@bp.post("/campaigns/<int:campaign_id>/projector")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def projector_mode(campaign_id):
    """当场公布: the hall's projector shows the results (after the close), or the turnout again."""
    from service.publication import projector
    show = request.form.get("show") == "results"
    with db.transaction() as cur:
        projector.switch(cur, g.user, campaign_id, show)
    flash("投影已切换为计票结果（当场公布）" if show else "投影已改回显示参评情况", "info")
    return redirect(_detail(campaign_id))
