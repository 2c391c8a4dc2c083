"""The widgets under /embed/ (docs/integration.md "嵌入 / Embedding"): a round's turnout, its results
once published, the campaign's 公示 list. Public data only, no sign-in, no session and no cookie
(service/__init__.py opens no session under /embed/), readable without JavaScript (the turnout
polls with a tiny script, or reloads itself where scripts are off), light or dark. Each answer
names the origins that may frame it (CSP frame-ancestors: the service itself and the allowlist)
instead of the service-wide 'none'."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from ballots import lifecycle
from service.campaigns import operations as camps
from service.core import db, errors
from service.core.errors import NotFound
from service.embeds import cors
from service.embeds import operations as ops
from service.publication import operations as publication
from service.results import operations as results
from service.web import use_zone

bp = Blueprint("embed", __name__, url_prefix="/embed")
bp.after_app_request(cors.add_headers)
R = "/campaigns/<int:campaign_id>/rounds/<int:round_id>"
POLL_SECONDS, RELOAD_SECONDS = 5, 30  # the script's poll; the page's own reload when scripts are off
_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; {ancestors}; "
           "form-action 'self'; base-uri 'none'")
# What each widget is called, and a height its <iframe> snippet starts from (the page scrolls past it).
WIDGETS = {"turnout": ("实时参评情况", 420), "results": ("计票结果", 520), "publicity": ("公示名单", 420)}
ENDPOINTS = {"turnout": "embed.turnout", "results": "embed.round_results", "publicity": "embed.publicity"}


def _theme() -> str | None:
    theme = request.args.get("theme")
    return theme if theme in ("light", "dark") else None


def _render(template: str, status: int = 200, **context):
    with db.transaction() as cur:
        origins = ops.allowed(cur)
    resp = current_app.make_response((render_template(template, theme=_theme(), **context), status))
    resp.headers["Content-Security-Policy"] = _POLICY.format(ancestors=ops.frame_ancestors(origins))
    return resp


@bp.errorhandler(NotFound)
def _missing(exc):
    """A widget of no public campaign says so inside the frame (not a refused frame); its JSON
    feed, read by the widget's script, answers as the API does."""
    if request.path.endswith(".json"):
        return errors.respond(exc)
    return _render("embeds/missing.html", 404)


def _public(cur, campaign_id) -> dict:
    """The campaign's definition, if the public may see it at all (a draft's existence is not public)."""
    c = camps.definition(cur, campaign_id)
    if c["state"] not in lifecycle.PUBLIC_STATES:
        raise NotFound("no such campaign")
    return c


def _round(c: dict, round_id: int) -> dict:
    rnd = next((r for r in c["rounds"] if r["id"] == round_id), None)
    if rnd is None:
        raise NotFound("no such round in this campaign")
    return rnd


def _turnout(cur, campaign_id, round_id) -> tuple[dict, dict]:
    c = _public(cur, campaign_id)
    _round(c, round_id)
    t = results.turnout(cur, campaign_id)
    rnd = next(r for r in t["rounds"] if r["id"] == round_id)
    return c, {"round_id": round_id, "state": c["state"], "state_label": lifecycle.LABELS[c["state"]],
               "live": c["state"] in ("announced", "open"), "cast": rnd["cast"], "issued": rnd["issued"],
               "percent": _percent(rnd["cast"], rnd["issued"]),
               "groups": [{k: g[k] for k in ("id", "name", "issued", "cast", "remaining")} for g in rnd["groups"]]}


def _percent(cast: int, issued: int) -> str:
    return f"{min(100.0, 100 * cast / issued):.1f}%" if issued else "—"


@bp.get(R + "/turnout")
def turnout(campaign_id, round_id):
    with db.transaction() as cur:
        c, t = _turnout(cur, campaign_id, round_id)
    use_zone(c["rules"])
    rnd = _round(c, round_id)
    return _render("embeds/turnout.html", c=c, rnd=rnd, t=t, poll_seconds=POLL_SECONDS, reload_seconds=RELOAD_SECONDS,
                   source=url_for("embed.turnout_json", campaign_id=campaign_id, round_id=round_id))


@bp.get(R + "/turnout.json")
def turnout_json(campaign_id, round_id):
    with db.transaction() as cur:
        _c, t = _turnout(cur, campaign_id, round_id)
    return jsonify(t)


def _published(cur, c: dict) -> bool:
    """Results and the list are public once the 公示 has been published (not on a bare close, nor
    on an archive that skipped the 公示)."""
    return lifecycle.allows("show_list", c["state"]) and publication.facts(cur, c["id"]) is not None


@bp.get(R + "/results")
def round_results(campaign_id, round_id):
    with db.transaction() as cur:
        c = _public(cur, campaign_id)
        rnd = _round(c, round_id)
        # The tally withholds small groups (ballots/withholding.py) as the results pages show them.
        r = results.round_results(cur, campaign_id, round_id) if _published(cur, c) else None
    for sec in (r or {}).get("sections", []):
        sec.get("rows", []).sort(key=lambda row: (row["rank"] is None, row["rank"] or 0))  # as the results page
    use_zone(c["rules"])
    return _render("embeds/results.html", c=c, rnd=rnd, r=r, small_group_k=c["rules"].get("small_group_k", 5))


@bp.get("/campaigns/<int:campaign_id>/publicity")
def publicity(campaign_id):
    with db.transaction() as cur:
        c = _public(cur, campaign_id)
        pub = publication.get(cur, campaign_id) if _published(cur, c) else None
    use_zone(c["rules"])
    return _render("embeds/publicity.html", c=c, pub=pub)


@bp.app_template_global()
def embed_widgets(c: dict) -> list[dict]:
    """The campaign page's widgets: per round its turnout and results, then the 公示 list; each
    with the path its preview frames and the <iframe> snippet another site pastes."""
    base = current_app.config["SETTINGS"].base_url
    out = []
    for rnd in c["rounds"]:
        for kind in ("turnout", "results"):
            out.append(_widget(base, kind, url_for(ENDPOINTS[kind], campaign_id=c["id"], round_id=rnd["id"]),
                               rnd["title"]))
    out.append(_widget(base, "publicity", url_for(ENDPOINTS["publicity"], campaign_id=c["id"]), None))
    return out


def _widget(base: str, kind: str, path: str, round_title: str | None) -> dict:
    from markupsafe import escape
    label, height = WIDGETS[kind]
    title = f"{round_title} · {label}" if round_title else label
    snippet = (f'<iframe src="{escape(base + path)}" title="{escape(title)}" width="100%" height="{height}" '
               f'style="border:0;max-width:640px" loading="lazy"></iframe>')
    return {"kind": kind, "label": label, "title": title, "path": path, "height": height, "snippet": snippet}
