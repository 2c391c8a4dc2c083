"""The ballot's HTML form fields (service/web/templates/vote/ballot.html and the tellers' paper
entry form) into the answers ballots.forms checks: `s<section>:<row>` per row, `s<section>:chosen`
and `s<section>:write_in` for a choice, `s<section>:text` for 意见建议."""
from __future__ import annotations

import math


def _score(raw: str):
    """A typed score as the page's number field reads it (8e1 is 80); text that is no finite
    number stays text, which the rules report as out of range."""
    try:
        number = float(raw)
    except ValueError:
        return raw
    if math.isnan(number) or math.isinf(number):
        return raw
    return int(number) if number.is_integer() else number


def answers(sections, form) -> dict:
    """The plain HTML form (JavaScript off) into the answers the API takes. `form` is anything
    with get(name, default) and getlist(name): a request's form."""
    answers = {}
    for sec in sections:
        prefix = f"s{sec.id}:"
        if sec.type in ("rating", "approve", "score"):
            value = {}
            for row in sec.rows:
                raw = form.get(prefix + row.key, "").strip()
                if raw == "":
                    continue
                if sec.type == "score":
                    value[row.key] = _score(raw)
                else:
                    value[row.key] = raw
            answers[str(sec.id)] = value
        elif sec.type == "choose":
            chosen = []
            for raw in form.getlist(prefix + "chosen"):
                try:
                    chosen.append(int(raw))
                except ValueError:
                    chosen.append(-1)  # reported as not a candidate
            answers[str(sec.id)] = {"chosen": chosen, "write_ins": form.getlist(prefix + "write_in")}
        else:
            answers[str(sec.id)] = form.get(prefix + "text", "")
    return answers
