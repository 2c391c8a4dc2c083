"""The hall's projector (/c/<id>/turnout): turnout while voting runs, and after the close, on the
organiser's command, the results (当场公布) — the rounds' figures as round_results gives them, so
the small-group withholding is the results page's own. Counts only: nothing about any ballot."""
from __future__ import annotations

from ballots import lifecycle
from service.campaigns import operations as camps
from service.core.errors import WrongState
from service.core.event_queries import insert_event
from service.publication import projector_queries as q
from service.results import operations as results

MAX_ROUNDS, MAX_GROUPS = 4, 8  # what one 1920×1080 screen holds without scrolling (the browser test)


def view(cur, campaign_id) -> dict:
    """What the projector shows: turnout (groups that were issued nothing left out) and, when the
    organiser has switched it and voting has closed, each round's results."""
    t = results.turnout(cur, campaign_id)
    at = camps.schedule_now()
    for rnd in t["rounds"]:
        rnd["groups"] = [g for g in rnd["groups"] if g["issued"] > 0]
        rnd["time_left"] = time_left(t["state"], *camps.round_window(cur, rnd["id"]), at)
    t["rounds"] = [r for r in t["rounds"] if r["issued"] > 0] or t["rounds"]
    showing = lifecycle.allows("results", t["state"]) and q.shows_results(cur, campaign_id)
    t["mode"] = "results" if showing else "turnout"
    t["results"] = [results.round_results(cur, campaign_id, r["id"]) for r in t["rounds"]] if showing else []
    return t


def time_left(state: str, opens_at, closes_at, at) -> str:
    """The projector's countdown for a scheduled round: 距开始 before its opening, 距结束 while it
    is open and before its closing; '' otherwise."""
    if state == "announced" and opens_at is not None and at < opens_at:
        return "距开始 " + _clock(opens_at - at)
    if state == "open" and closes_at is not None and at < closes_at and (opens_at is None or at >= opens_at):
        return "距结束 " + _clock(closes_at - at)
    if state == "open" and opens_at is not None and at < opens_at:
        return "距开始 " + _clock(opens_at - at)
    return ""


def _clock(delta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def switch(cur, principal, campaign_id, show: bool) -> bool:
    """当场公布 on the projector, or back to the turnout. Only once voting has closed (results are
    counted then); each change is an event. Returns the switch's new position."""
    campaign = camps.get_campaign(cur, campaign_id, for_update=True)
    if show and not lifecycle.allows("results", campaign["state"]):
        raise WrongState(f"results are counted once voting has closed; the campaign is {campaign['state']}",
                         {"state": campaign["state"]})
    if q.set_shows_results(cur, campaign_id, show):
        insert_event(cur, principal.actor, "projector.results_shown" if show else "projector.results_hidden",
                     campaign_id, {})
    return show
