"""The auditor's bundle and its offline verifier (issue 11): a closed round's bundle, downloaded
over the API, verifies step by step; what an operator changes afterwards is named."""
from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ballots import audit, forms, signed_note, verify
from tests.helpers import bundle_of, superuser

CAST = "/api/v1/ballots:cast"


def _close(client, organiser_key, campaign):
    r = client.post(f"/api/v1/campaigns/{campaign.id}/transitions", json={"to": "closed"}, headers=organiser_key)
    assert r.status_code == 200, r.get_json()


def _steps(data: bytes) -> dict:
    return {s.number: s for s in verify.verify(io.BytesIO(data))}


def test_a_closed_rounds_bundle_verifies_step_by_step(client, closed_round, auditor_key):
    data = bundle_of(client, auditor_key, closed_round)
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {"manifest.json", "definition.json", "ballots.jsonl", "tally.json", "tally.csv", "audit-chain.jsonl",
            "keys/audit-keys.txt", "report.pdf", "checkpoints/001-close.note"} <= names
    steps = _steps(data)
    assert [s.number for s in steps.values()] == list(range(1, 10))
    assert all(s.status == verify.PASS for s in steps.values()), {n: (s.status, s.details) for n, s in steps.items()}
    report = verify.report(list(steps.values()))
    assert report["verdict"] == "PASS"


def test_the_cli_passes_and_fails_with_its_exit_status(client, closed_round, auditor_key, tmp_path, capsys):
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle_of(client, auditor_key, closed_round))
    assert verify.main([str(path), "--json", str(tmp_path / "report.json")]) == 0
    assert json.loads((tmp_path / "report.json").read_text())["verdict"] == "PASS"
    out = capsys.readouterr().out
    assert "1. PASS" in out and "9. PASS" in out and "verdict: PASS" in out
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "tally.csv":
                body = body.replace(b"1", b"2", 1)
            dst.writestr(item, body)
    assert verify.main([str(broken)]) == 1
    assert "tally.csv is not the file the manifest names" in capsys.readouterr().out


@pytest.mark.parametrize("new_tracker", [False, True])
def test_a_ballot_changed_in_the_database_after_the_close_is_named(client, closed_round, auditor_key, database,
                                                                   new_tracker):
    """Blanked, its tracker kept: its content no longer hashes to it (step 6). Blanked with its
    tracker recomputed: the trackers no longer give the root the close signed (step 5). Either
    way the recount no longer equals the stored counts (step 8)."""
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("SELECT id::text, group_id FROM ballots WHERE round_id = %s AND answers <> '{}'::jsonb LIMIT 1",
                    (closed_round.round,))
        ballot_id, group_id = cur.fetchone()
        tracker = forms.tracker(ballot_id, closed_round.round, group_id, {})
        cur.execute("UPDATE ballots SET answers = '{}'::jsonb, tracker = CASE WHEN %s THEN %s ELSE tracker END "
                    "WHERE id = %s", (new_tracker, tracker, ballot_id))
    admin.close()
    steps = _steps(bundle_of(client, auditor_key, closed_round))
    assert (steps[6].status, steps[5].status) == ((verify.PASS, verify.FAIL) if new_tracker else
                                                  (verify.FAIL, verify.PASS))
    if new_tracker:
        assert "a ballot was changed, added or removed" in steps[5].details[0]
    else:
        assert "does not hash to its tracker" in steps[6].details[0]
    assert steps[8].status == verify.FAIL and any("the recount gives" in d for d in steps[8].details)
    assert steps[9].status == verify.FAIL  # the tally the close signed is not the recount's


def test_a_bundle_of_an_open_round_is_refused(client, full_campaign, auditor_key):
    r = client.get(f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/bundle", headers=auditor_key)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_closed"


def test_the_public_key_is_served_and_signs_the_checkpoints(client, closed_round, auditor_key):
    r = client.get("/audit/key")  # public: no key, no session
    assert r.status_code == 200 and r.mimetype == "text/plain"
    (key,) = r.get_data(as_text=True).split()
    r = client.get(f"/api/v1/campaigns/{closed_round.id}/rounds/{closed_round.round}/checkpoints", headers=auditor_key)
    (close,) = r.get_json()
    assert close["kind"] == "close" and close["number"] == 1
    body = signed_note.parse_checkpoint(signed_note.open_note(close["note"], [signed_note.parse_verifier_key(key)]))
    checkpoint = audit.read_checkpoint(*body)
    assert checkpoint.ballots == 12 and checkpoint.campaign_id == closed_round.id and checkpoint.kind == "close"
    with pytest.raises(signed_note.BadSignature):
        signed_note.open_note(close["note"].replace("\n12\n", "\n13\n", 1), [signed_note.parse_verifier_key(key)])


def test_a_checkpoint_on_demand_only_after_the_close(client, full_campaign, organiser_key, auditor_key):
    url = f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/checkpoints"
    r = client.post(url, headers=auditor_key)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "checkpoint_too_early"
    _close(client, organiser_key, full_campaign)
    r = client.post(url, headers=auditor_key)
    assert r.status_code == 201 and r.get_json()["kind"] == "demand" and r.get_json()["number"] == 2
    assert client.post(url, headers=organiser_key).status_code == 403  # the organiser has no audit:read


def test_a_rotated_key_is_announced_and_followed(client, closed_round, auditor_key, run_cli, settings):
    """After `audit-key rotate`, checkpoints are signed with the new key; a verifier that trusts
    only the old key follows the announcement, signed with the old key, to the new one."""
    env = {"BASE_URL": settings.base_url}
    old = run_cli("audit-key", "show", env=env).output.strip()
    r = run_cli("audit-key", "rotate", env=env)
    assert r.exit_code == 0, r.output
    new = run_cli("audit-key", "show", env=env).output.strip()
    assert new != old and f"新公钥 {new}" in r.output
    url = f"/api/v1/campaigns/{closed_round.id}/rounds/{closed_round.round}/checkpoints"
    assert client.post(url, headers=auditor_key).status_code == 201  # signed with the new key
    assert client.get("/audit/key").get_data(as_text=True).split() == [old, new]
    data = bundle_of(client, auditor_key, closed_round)
    steps = {s.number: s for s in verify.verify(io.BytesIO(data), trusted_key=old)}
    assert all(s.status == verify.PASS for s in steps.values()), {n: (s.status, s.details) for n, s in steps.items()}
    forged = io.BytesIO()  # the announcement replaced by one the old key did not sign
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(forged, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "keys/rotation-1.note":
                body = body.replace(b"pingyi audit key rotation", b"pingyi audit key rotation!")
            dst.writestr(item, body)
    steps = {s.number: s for s in verify.verify(io.BytesIO(forged.getvalue()), trusted_key=old)}
    assert steps[4].status == verify.FAIL and "not announced by the key before it" in steps[4].details[0]
    new_trusted = {s.number: s.status for s in verify.verify(io.BytesIO(data), trusted_key=new)}
    assert set(new_trusted.values()) == {verify.PASS}  # the key /audit/key lists last vouches for the first
    unvouched = io.BytesIO()  # the announcement without the new key's own signature
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(unvouched, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "keys/rotation-1.note":
                body = b"\n".join(body.split(b"\n")[:-2]) + b"\n"
            dst.writestr(item, body)
    steps = {s.number: s for s in verify.verify(io.BytesIO(unvouched.getvalue()), trusted_key=new)}
    assert steps[4].status == verify.FAIL and "and by itself" in steps[4].details[0]
    stranger = signed_note.verifier_key("elsewhere", Ed25519PrivateKey.generate().public_key())
    steps = {s.number: s for s in verify.verify(io.BytesIO(data), trusted_key=stranger)}
    assert steps[4].status == verify.FAIL and "not among the bundle's announced keys" in steps[4].details[0]


def test_online_verification_trusts_the_key_on_disk_not_the_database(client, closed_round, auditor_key, database,
                                                                      settings):
    """An operator who can write to the database but not read the key file replaces the listed
    key and re-signs the round's checkpoints with a key of their own: the offline verifier, given
    no key, would follow the bundle; the online verification trusts the service's key file and fails."""
    from service.audit import keys
    forger, name = Ed25519PrivateKey.generate(), keys.key_name(settings.base_url)
    with superuser(database) as c, c.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # past the append-only triggers
        cur.execute("SELECT number, note FROM checkpoints WHERE round_id = %s", (closed_round.round,))
        for number, note in cur.fetchall():
            body = note[:note.index("\n\n") + 1]
            cur.execute("UPDATE checkpoints SET note = %s WHERE round_id = %s AND number = %s",
                        (signed_note.sign(body, name, forger), closed_round.round, number))
        cur.execute("UPDATE audit_signing_keys SET verifier_key = %s",
                    (signed_note.verifier_key(name, forger.public_key()),))
    c.close()
    offline = {s.number: s.status for s in verify.verify(io.BytesIO(bundle_of(client, auditor_key, closed_round)))}
    assert offline[4] == verify.PASS  # the bundle alone cannot tell: hence --key and the published key
    url = f"/api/v1/campaigns/{closed_round.id}/rounds/{closed_round.round}/verification"
    report = client.get(url, headers=auditor_key).get_json()
    step = {s["number"]: s for s in report["steps"]}[4]
    assert report["verdict"] == "FAIL" and step["status"] == "FAIL", report
    assert "not among the bundle's announced keys" in step["details"][0]


def test_the_board_shows_the_checkpoints_and_a_receipts_inclusion_proof(client, full_campaign, organiser_key,
                                                                          database):
    receipts = [client.post(CAST, json={"token": t, "answers": {}}).get_json()["tracker"] for t in full_campaign.tokens(5)]
    _close(client, organiser_key, full_campaign)
    page = client.post(f"/board/{full_campaign.round}", data={"tracker": receipts[2]}).get_data(as_text=True)
    assert "已计入" in page and "已包含在签名的回执码树中" in page and 'id="checkpoints"' in page
    assert "pingyi-kind close 1" in page
    root = re.search(r"树根 <code class=\"wrap\">([0-9a-f]{64})</code>", page)[1]
    proof = [bytes.fromhex(p) for p in re.findall(r"<li><code class=\"wrap\">([0-9a-f]{64})</code></li>", page)]
    index, size = map(int, re.search(r"位置 (\d+) / (\d+)", page).groups())
    note = re.search(r'<pre class="note small">(.*?)</pre>', page, re.S)[1]
    signed_root = signed_note.parse_checkpoint(html.unescape(note).rsplit("\n\n", 1)[0] + "\n").root_hash
    assert bytes.fromhex(root) == signed_root and size == 5
    from ballots import merkle
    admin = superuser(database)
    with admin.cursor() as cur:
        cur.execute("SELECT tracker FROM ballots WHERE round_id = %s", (full_campaign.round,))
        trackers = [bytes(t) for (t,) in cur.fetchall()]
    admin.close()
    (leaf_tracker,) = [t for t in trackers if forms.short_tracker(t) == receipts[2]]
    assert merkle.verify_inclusion(leaf_tracker, index - 1, size, proof, signed_root)



def _random_answers(campaign, rng) -> dict:
    """A valid ballot of the full campaign's round, drawn at random (each section may be left blank)."""
    s, o, p = campaign.sections, campaign.orgs, campaign.people
    answers = {}
    if rng.random() < 0.8:  # at most two 满意 of three: the section's cap of 67%
        marks = [rng.choice(["满意", "基本满意", "不满意", "不了解"]) for _ in o]
        while marks.count("满意") > 2:
            marks[marks.index("满意")] = "基本满意"
        answers[str(s["rating"])] = {str(x): m for x, m in zip(o, marks) if rng.random() < 0.9}
    if rng.random() < 0.7:
        chosen = sorted(rng.sample(p, rng.randint(0, 2)))
        pick = {"chosen": chosen} if chosen else {}
        if len(chosen) < 2 and rng.random() < 0.3:
            pick["write_ins"] = [rng.choice(["赵静", "钱多", "孙立"])]
        answers[str(s["choose"])] = pick
    if rng.random() < 0.7:
        answers[str(s["approve"])] = {str(x): rng.choice(["赞成", "不赞成", "弃权"]) for x in p[:2]}
    if rng.random() < 0.6:
        scores = rng.sample(range(60, 90), 3)
        if rng.random() < 0.3:
            scores[0] = rng.randint(90, 100)  # at most one at 90 or above
        answers[str(s["score"])] = {str(x): v for x, v in zip(p[:3], scores)}
    if rng.random() < 0.3:
        answers[str(s["text"])] = rng.choice(["希望加强实验室开放。", "食堂可以延长时间", "无"])
    return {k: v for k, v in answers.items() if v}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_verifiers_recount_equals_the_service_and_the_mixers_counts(client, full_campaign, organiser_key,
                                                                         auditor_key, mix, seed):
    """Seeded random rounds, mixed in batches during voting and at the close: the verifier's
    recount (ballots.tally over the ballots) equals, figure by figure, the results the service
    published and the counts the mixer kept batch by batch (steps 8 and 9 pass)."""
    import random
    rng = random.Random(seed)
    for group in (0, 1):
        for token in full_campaign.tokens(rng.randint(3, 25), group=group):
            r = client.post(CAST, json={"token": token, "answers": _random_answers(full_campaign, rng)})
            assert r.status_code == 201, r.get_json()
    mix(k=3)  # some batches before the close, the rest in it
    _close(client, organiser_key, full_campaign)
    steps = _steps(bundle_of(client, auditor_key, full_campaign))
    assert all(s.status == verify.PASS for s in steps.values()), {n: (s.status, s.details) for n, s in steps.items()}
    results = client.get(f"/api/v1/campaigns/{full_campaign.id}/rounds/{full_campaign.round}/results",
                         headers=organiser_key).get_json()
    assert results["ballots"] > 0


def test_a_published_figure_that_is_not_the_recounts_is_named(client, closed_round, auditor_key):
    """tally.json's results changed (and the manifest made to match): step 8 names the figure."""
    data = bundle_of(client, auditor_key, closed_round)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        tally = json.loads(src.read("tally.json"))
        tally["results"]["ballots"] += 1
        body = json.dumps(tally).encode()
        manifest = json.loads(src.read("manifest.json"))
        manifest["files"]["tally.json"] = hashlib.sha256(body).hexdigest()
        for item in src.infolist():
            if item.filename not in ("tally.json", "manifest.json"):
                dst.writestr(item, src.read(item.filename))
        dst.writestr("tally.json", body)
        dst.writestr("manifest.json", json.dumps(manifest))
    steps = _steps(out.getvalue())
    assert steps[1].status == verify.PASS and steps[8].status == verify.FAIL
    assert any(d.startswith("results.ballots: the recount gives 12") for d in steps[8].details), steps[8].details


def test_the_bundles_report_carries_the_checkpoint_as_a_qr_code(client, closed_round, auditor_key, tmp_path):
    """The report's verification page: the signed close checkpoint as a QR code, which reads back
    to the very note the checkpoints list gives (root and signature included)."""
    import zxingcpp
    from PIL import Image

    from tests.helpers import rasterise
    with zipfile.ZipFile(io.BytesIO(bundle_of(client, auditor_key, closed_round))) as z:
        (tmp_path / "report.pdf").write_bytes(z.read("report.pdf"))
        note = z.read("checkpoints/001-close.note").decode()
    rasterise(tmp_path / "report.pdf", tmp_path / "page", 150)
    found = [r.text for page in sorted(tmp_path.glob("page*.png")) for r in zxingcpp.read_barcodes(Image.open(page))]
    assert note in found


def test_the_audit_api_refuses_bad_input_and_missing_permission(client, closed_round, auditor_key, make_key):
    base = f"/api/v1/campaigns/{closed_round.id}/rounds"
    for query in ("limit=x", "limit=0", "limit=5000", "campaign_id=abc", "since=2026-13-01", "until=yesterday"):
        r = client.get(f"/api/v1/audit/log?{query}", headers=auditor_key)
        assert r.status_code == 422 and r.get_json()["error"]["code"] == "bad_log_filter", query
    assert client.get("/api/v1/audit/log?limit=3", headers=auditor_key).status_code == 200
    for method, path in (("get", "/999999/bundle"), ("post", "/999999/checkpoints"), ("get", "/999999/verification")):
        r = getattr(client, method)(base + path, headers=auditor_key)
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "round_not_found", path
    results_only = make_key("results")
    for method, path in (("get", f"/{closed_round.round}/bundle"), ("post", f"/{closed_round.round}/checkpoints"),
                         ("get", f"/{closed_round.round}/verification")):
        assert getattr(client, method)(base + path, headers=results_only).status_code == 403, path
        assert getattr(client, method)(base + path).status_code == 401, path
    assert client.get("/api/v1/audit/log", headers=results_only).status_code == 403
