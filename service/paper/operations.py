"""The paper count (docs/paper.md): two tellers (计票人) key each paper ballot independently from
its slip's code; equal entries count, differing ones wait for a supervisor (监票人), who decides
them side by side or declares the sheet 废票 with a reason. A section whose marks break a rule of
the form is counted as 废票 with its reason (the rest of the ballot counts); a blank sheet is an
abstention. A settled ballot spends its token and is sealed and mixed as a phone's cast is
(voting.cast_paper); a slip already used on a phone is recorded as a duplicate and not counted.

What is kept while a sheet is pending — who keyed it and what — is sealed under a key derived
from the slip's code, which only the paper carries; once settled, the pending row goes and the
ballot keeps no trace of its tellers."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ballots import forms
from ballots import tokens as tk
from service.campaigns import operations as camps
from service.core.event_queries import insert_event
from service.issuance import operations as issued
from service.paper import queries as q
from service.paper.errors import (
    DeciderKeyed,
    EntryMalformed,
    NotDisputed,
    PaperPending,
    SameTeller,
    SheetDisputed,
    SheetSettled,
)
from service.voting import operations as voting

# Problems of an entry that no paper can show (a section, row, option or candidate not on the
# ballot, a value of the wrong type): the teller's slip, refused. Every other problem is a rule the
# marks break: that section is 废票.
_SHAPE = frozenset({"wrong_type", "unknown_row", "unknown_option", "unknown_candidate", "unknown_section",
                    "control_characters", "write_ins_not_allowed"})
OUTCOMES = {"counted": "已计入", "spoiled": "整张作废", "duplicate": "重复票，不计入"}
DUPLICATE = "duplicate"  # a slip used on a phone, then found on paper: an outcome and a count's kind


class Sheet:
    """One paper ballot in hand: its code, and what the service knows of it."""

    def __init__(self, cur, code: str):
        self.token, self.round_id = voting.verify(slip_code(code))
        self.name = hashlib.sha256(b"pingyi paper sheet\x00" + self.token.encode("ascii")).digest()
        self._key = hashlib.sha256(b"pingyi paper entries\x00" + self.token.encode("ascii")).digest()
        q.lock_sheet(cur, self.name)
        self.pending = q.sheet_for_update(cur, self.name)
        self.outcome = None if self.pending else q.settled(cur, self.name)
        self.unused = None if self.pending or self.outcome else issued.unused_token(cur, tk.token_hash(self.token))
        self.campaign_id = self.pending["campaign_id"] if self.pending else voting.uniform_form(cur, self.round_id)[0]

    def entries(self) -> dict:
        blob = bytes(self.pending["entries"])
        return json.loads(AESGCM(self._key).decrypt(blob[:12], blob[12:], self.name))

    def sealed(self, entries: dict) -> bytes:
        nonce = os.urandom(12)
        return nonce + AESGCM(self._key).encrypt(nonce, forms.canonical(entries), self.name)


def slip_code(text: str) -> str:
    """A slip's code as typed, or the URL of its QR code as a scanner types it (…/B/<code>)."""
    text = (text or "").strip()
    marker = text.upper().rfind("/B/")
    return text[marker + 3:].split("#")[0].split("?")[0] if marker >= 0 else text


def _form(cur, campaign_id, round_id, group_id):
    return voting.ballot_form(cur, campaign_id, round_id, group_id)


def open_sheet(cur, principal, code: str) -> dict:
    """What a teller or supervisor sees on scanning a sheet: its state and its form. A slip spent
    already and never keyed on paper was used on a phone: recorded as a duplicate here."""
    sheet = Sheet(cur, code)
    if sheet.outcome:
        return {"state": sheet.outcome, "round_id": sheet.round_id}
    if sheet.pending:
        entries = sheet.entries()
        keyed = entries["entries"]
        state = "disputed" if sheet.pending["state"] == "disputed" else (
            "waiting" if any(e["by"] == who(principal) for e in keyed) else "second_entry" if keyed else "first_entry")
        group_id = entries["group_id"]
    elif sheet.unused is None:
        return {"state": _not_keyable(cur, principal, sheet), "round_id": sheet.round_id}
    else:
        state, group_id = "first_entry", sheet.unused["group_id"]
    campaign, rnd, group, sections = _parts(cur, sheet.campaign_id, sheet.round_id, group_id)
    return {"state": state, "round_id": sheet.round_id, "campaign": campaign, "round": rnd, "group": group,
            "sections": sections}


def _parts(cur, campaign_id, round_id, group_id):
    campaign = camps.get_campaign(cur, campaign_id)
    voting.require_open(campaign["state"])
    return (campaign, camps.get_part(cur, "rounds", campaign_id, round_id),
            camps.get_part(cur, "voter_groups", campaign_id, group_id), _form(cur, campaign_id, round_id, group_id))


def _not_keyable(cur, principal, sheet) -> str:
    """A slip whose token is gone and that was never keyed: voided, or cast on a phone (a duplicate)."""
    campaign = camps.get_campaign(cur, sheet.campaign_id) if sheet.campaign_id else None
    if campaign is None:
        raise voting.invalid_ballot()
    voting.require_open(campaign["state"])
    voided = issued.is_voided(cur, tk.token_hash(sheet.token))
    outcome = "spoiled" if voided else DUPLICATE
    q.mark_settled(cur, sheet.name, sheet.campaign_id, outcome)
    _forget_scans(cur, sheet)
    if voided:
        q.add_count(cur, sheet.campaign_id, sheet.round_id, 0, "spoiled_ballot", reason="票码已作废")
        insert_event(cur, principal.actor, "paper.spoiled", sheet.campaign_id,
                     {"round_id": sheet.round_id, "reason": "票码已作废"})
    else:
        q.add_count(cur, sheet.campaign_id, sheet.round_id, 0, DUPLICATE)
        insert_event(cur, principal.actor, "paper.duplicate", sheet.campaign_id, {"round_id": sheet.round_id})
    return outcome


MULTIPLE = "多选"  # a rating or approve row marked twice on paper: that row is 废票, with its reason


def _multiples(sections, answers) -> tuple[dict, list[tuple[str, str]]]:
    """The answers without rows keyed as marked twice, and (section id, reason) for each of them."""
    rows = {(str(sec.id), row.key): row.name + (f"·{row.criterion}" if row.criterion else "")
            for sec in sections if sec.type in ("rating", "approve") for row in sec.rows}
    out, void = {}, []
    for sid, value in answers.items():
        if isinstance(value, dict) and any(v == MULTIPLE and (sid, k) in rows for k, v in value.items()):
            void += [(sid, f"「{rows[(sid, k)]}」一行勾选多项，此行作废") for k, v in value.items() if v == MULTIPLE]
            value = {k: v for k, v in value.items() if v != MULTIPLE}
        out[sid] = value
    return out, void


def _checked(sections, answers) -> dict:
    """The entry in one form whatever keyed it (the page's blank fields and the API's omitted ones
    alike: sections as ballots.forms normalises them, a section breaking a rule as keyed, its
    blank write-in lines dropped, rows marked twice kept as MULTIPLE), or EntryMalformed for what
    no paper can show."""
    rest, _void = _multiples(sections, answers)
    twice = [(sid, k) for sid, value in answers.items() if isinstance(value, dict)
             for k in value if k not in (rest.get(sid) or {})]
    _clean, problems = forms.validate(sections, rest)
    shape = {sid: [p for p in found if p["code"] in _SHAPE] for sid, found in problems.by_section.items()}
    shape = {sid: found for sid, found in shape.items() if found}
    if shape:
        raise EntryMalformed(details={"sections": shape})
    normal = {}
    for sid, value in rest.items():
        clean, broken = forms.validate(sections, {sid: value})
        if not broken:
            normal.update(clean)
        elif isinstance(value, dict) and "chosen" in value:
            normal[sid] = {"chosen": sorted(value["chosen"]),
                           "write_ins": [w.strip() for w in value.get("write_ins", []) if w.strip()]}
        else:
            normal[sid] = value
    for sid, k in twice:
        normal.setdefault(sid, {})[k] = MULTIPLE
    return normal


def who(principal) -> str:
    """A teller as the entries name them: users and API keys apart."""
    return f"{principal.kind}:{principal.id}"


def claim(cur, principal, sheet, row, entries: list) -> str:
    """The first time a sheet is keyed or read from a scan: its token is spent now, so that no one
    who saw its code (a teller, a confirm screen) can cast it on a phone meanwhile, and the sheet
    is kept pending with these entries (none: a scan's prefill). "duplicate" when the token was
    spent already."""
    if not voting.spend_token(cur, sheet.token):
        return _not_keyable(cur, principal, sheet)
    state = "keyed_once" if entries else "claimed"
    q.insert_sheet(cur, sheet.name, row["campaign_id"], row["round_id"],
                   sheet.sealed({"group_id": row["group_id"], "entries": entries}), state)
    return "first_entry"


def enter(cur, principal, code: str, answers: dict) -> dict:
    """One teller's entry of a sheet: the first is kept (sealed); the second, by another teller,
    settles the sheet when it equals the first and sends it to a supervisor when not."""
    sheet = Sheet(cur, code)
    if sheet.outcome:
        raise SheetSettled(details={"outcome": OUTCOMES[sheet.outcome]})
    mine = {"by": who(principal), "name": principal.name}
    if not sheet.pending:
        if sheet.unused is None:
            return {"outcome": _not_keyable(cur, principal, sheet)}
        row = sheet.unused
        _parts(cur, row["campaign_id"], row["round_id"], row["group_id"])
        answers = _checked(_form(cur, row["campaign_id"], row["round_id"], row["group_id"]), answers)
        outcome = claim(cur, principal, sheet, row, [{**mine, "answers": answers}])
        if outcome == "first_entry":
            insert_event(cur, principal.actor, "paper.keyed", row["campaign_id"], {"round_id": row["round_id"], "entry": 1})
        return {"outcome": outcome}
    if sheet.pending["state"] == "disputed":
        raise SheetDisputed()
    entries = sheet.entries()
    if any(e["by"] == mine["by"] for e in entries["entries"]):
        raise SameTeller()
    _parts(cur, sheet.campaign_id, sheet.round_id, entries["group_id"])
    answers = _checked(_form(cur, sheet.campaign_id, sheet.round_id, entries["group_id"]), answers)
    number = len(entries["entries"]) + 1
    insert_event(cur, principal.actor, "paper.keyed", sheet.campaign_id, {"round_id": sheet.round_id, "entry": number})
    if number == 1:
        q.update_sheet(cur, sheet.name, "keyed_once", sheet.sealed({**entries, "entries": [{**mine, "answers": answers}]}))
        return {"outcome": "first_entry"}
    if forms.canonical(answers) == forms.canonical(entries["entries"][0]["answers"]):
        return _settle(cur, principal, sheet, entries["group_id"], answers, "paper.agreed")
    entries["entries"].append({**mine, "answers": answers})
    q.update_sheet(cur, sheet.name, "disputed", sheet.sealed(entries))
    insert_event(cur, principal.actor, "paper.disputed", sheet.campaign_id, {"round_id": sheet.round_id})
    return {"outcome": "disputed"}


def machine_entry(principal, answers_form, answers: dict) -> dict:
    """A scan read with no flag and nothing to type (service/paper/scans.py): the sheet's first
    entry, by the reader on behalf of the teller who uploaded it, who cannot also confirm it."""
    return {"by": who(principal), "name": f"机器识读（{principal.name} 上传）", "answers": _checked(answers_form, answers)}


def _forget_scans(cur, sheet) -> None:
    """A settled sheet's scans (handwriting): their rows now, their files once the settling commits."""
    ids = q.delete_scans(cur, sheet.name)
    if ids:
        from flask import current_app

        from service.core import db
        folder = Path(current_app.config["SETTINGS"].var_dir) / "paper-scans"
        db.after_commit(lambda: [(folder / i.hex()).unlink(missing_ok=True) for i in ids])


def _disputed(cur, code: str):
    """(sheet, its entries) of a sheet waiting for a supervisor; typed refusals otherwise."""
    sheet = Sheet(cur, code)
    if sheet.outcome:
        raise SheetSettled(details={"outcome": OUTCOMES[sheet.outcome]})
    if not sheet.pending or sheet.pending["state"] != "disputed":
        raise NotDisputed()
    return sheet, sheet.entries()


def dispute(cur, code: str) -> dict:
    """What a supervisor sees of a disputed sheet: both entries beside its form."""
    sheet, entries = _disputed(cur, code)
    campaign, rnd, group, sections = _parts(cur, sheet.campaign_id, sheet.round_id, entries["group_id"])
    return {"campaign": campaign, "round": rnd, "group": group, "sections": sections,
            "entries": [{"teller": e["name"], "answers": e["answers"]} for e in entries["entries"]]}


def decide(cur, principal, code: str, answers: dict | None = None, spoiled: str | None = None) -> dict:
    """A supervisor's decision on a disputed sheet: the answers as they read the paper, or the
    whole sheet 废票 with a reason (its token spent, nothing sealed)."""
    sheet, entries = _disputed(cur, code)
    if any(e["by"] == who(principal) for e in entries["entries"]):
        raise DeciderKeyed()
    group_id = entries["group_id"]
    _parts(cur, sheet.campaign_id, sheet.round_id, group_id)
    if spoiled is None:
        answers = _checked(_form(cur, sheet.campaign_id, sheet.round_id, group_id), answers)
        return _settle(cur, principal, sheet, group_id, answers, "paper.decided")
    q.delete_sheet(cur, sheet.name)  # its token was spent when it was first keyed (claim)
    q.mark_settled(cur, sheet.name, sheet.campaign_id, "spoiled")
    _forget_scans(cur, sheet)
    q.add_count(cur, sheet.campaign_id, sheet.round_id, group_id, "spoiled_ballot", reason=spoiled)
    insert_event(cur, principal.actor, "paper.spoiled", sheet.campaign_id, {"round_id": sheet.round_id, "reason": spoiled})
    return {"outcome": "spoiled"}


def _settle(cur, principal, sheet, group_id, answers, event) -> dict:
    """Count the sheet as read: sections breaking a rule are 废票 (with the reason), the rest is
    sealed under the round's key as a phone's ballot is."""
    sections = _form(cur, sheet.campaign_id, sheet.round_id, group_id)
    answers, void_rows = _multiples(sections, answers)
    _clean, problems = forms.validate(sections, answers)
    spoiled = {sid: "；".join(p["message"] for p in found) for sid, found in problems.by_section.items()}
    clean, rest = forms.validate(sections, {k: v for k, v in answers.items() if k not in spoiled})
    assert not rest, rest.by_section  # what breaks no rule stays valid without the sections that do
    q.delete_sheet(cur, sheet.name)
    voting.seal_paper(cur, {"campaign_id": sheet.campaign_id, "round_id": sheet.round_id, "group_id": group_id}, clean)
    q.mark_settled(cur, sheet.name, sheet.campaign_id, "counted")
    _forget_scans(cur, sheet)
    q.add_count(cur, sheet.campaign_id, sheet.round_id, group_id, "counted")
    for sid, reason in sorted(spoiled.items()) + sorted(void_rows):
        q.add_count(cur, sheet.campaign_id, sheet.round_id, group_id, "spoiled_section", int(sid), reason)
    insert_event(cur, principal.actor, event, sheet.campaign_id,
                 {"round_id": sheet.round_id, "spoiled_sections": len(spoiled)})
    return {"outcome": "counted", "spoiled_sections": [{"section_id": int(s), "reason": r}
                                                       for s, r in sorted(spoiled.items()) + sorted(void_rows)]}


def summary(cur, campaign_id) -> dict:
    """The paper count of a campaign, per round: sheets counted, pending, disputed, 废票 (whole
    sheets and sections, with reasons) and duplicates."""
    rounds: dict = {}

    def of(round_id):
        return rounds.setdefault(round_id, {"round_id": round_id, "counted": 0, "keyed_once": 0, "disputed": 0,
                                            "duplicates": 0, "spoiled_ballots": [], "spoiled_sections": []})
    for row in q.pending(cur, campaign_id):
        of(row["round_id"])[row["state"]] += row["n"]
    for row in q.counts(cur, campaign_id):
        r = of(row["round_id"])
        if row["kind"] == "counted":
            r["counted"] += row["n"]
        elif row["kind"] == "duplicate":
            r["duplicates"] += row["n"]
        elif row["kind"] == "spoiled_ballot":
            r["spoiled_ballots"].append({"reason": row["reason"], "n": row["n"]})
        else:
            r["spoiled_sections"].append({"section_id": row["section_id"], "reason": row["reason"], "n": row["n"]})
    return {"rounds": sorted(rounds.values(), key=lambda r: r["round_id"])}


def _refuse_close_while_pending(cur, campaign_id) -> None:
    """The close waits for the paper count: a sheet left pending could never be sealed (the round's
    key goes with the close)."""
    pending = sum(r["n"] for r in q.pending(cur, campaign_id)) + q.unfinished_jobs(cur, campaign_id)
    if pending:
        raise PaperPending(details={"pending": pending})


EFFECTS = {"paper_settled": voting.Effect(during=_refuse_close_while_pending)}
