"""Results on the admin pages: the results page with its charts, and 组织考评 / 领导点评 entry."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request

from ballots import lifecycle
from ballots.sections import MAJORITY_LABELS
from service.accounts.auth import CAMPAIGNS_READ, CAMPAIGNS_WRITE, COMMENTS_READ
from service.campaigns import operations as ops
from service.campaigns.pages import again as _again
from service.campaigns.pages import detail_url as _detail
from service.core import db
from service.results import operations as res
from service.web import admin, form_action, number, page, use_zone

bp = admin  # the admin pages' blueprint (service.web)
@bp.get("/campaigns/<int:campaign_id>/results")
@page(CAMPAIGNS_READ)
def results_page(campaign_id):
    """Every round's results with charts, print-friendly (the same data as the JSON API)."""
    from ballots import charts
    from ballots.display import pct_value
    from ballots.sections import MAJORITY_THRESHOLDS
    with db.transaction() as cur:
        c = ops.definition(cur, campaign_id)
        if not lifecycle.allows("results", c["state"]):
            flash("投票结束后才能查看结果", "error")
            return redirect(_detail(campaign_id))
        rounds = [res.round_results(cur, campaign_id, r["id"]) for r in c["rounds"]]
        may_read = g.user.can(COMMENTS_READ)
        notes = {r["id"]: res.comments(cur, campaign_id, r["id"]) for r in c["rounds"]} if may_read else {}
        composite = res.campaign_composite(cur, c, rounds) if res.weighs_scores(c) else None
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
    from ballots.display import COMPOSITE_HEADINGS, composite_rows, weights_line
    return render_template("admin/results.html", c=c, rounds=rounds, figures=figures, notes=notes, composite=composite,
                           composite_rows=composite and composite_rows(composite),
                           composite_weights=composite and weights_line(composite["weights"]),
                           composite_headings=COMPOSITE_HEADINGS,
                           majority_labels=MAJORITY_LABELS, small_group_k=c["rules"].get("small_group_k", 5))


_LINE_LABELS = {"more_than_half": "过半数线 50%", "two_thirds": "三分之二线 66.7%", "sixty_percent": "60% 线"}


@bp.post("/campaigns/<int:campaign_id>/scores")
@page(CAMPAIGNS_WRITE)
@form_action(_detail, render=_again)
def enter_scores(campaign_id):
    """组织考评 / 领导点评 from the campaign page: one score (and comment) per subject filled in."""
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
                "source": source, "score": number(raw),
                "comment": request.form.get(f"comment-{subject}", "").strip()})
            res.enter(cur, g.user, campaign_id, data)
            entered += 1
    flash(f"已保存 {entered} 个评分", "info")
    return redirect(_detail(campaign_id) + "#scores")
