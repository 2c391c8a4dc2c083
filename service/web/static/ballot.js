// The ballot, improved when JavaScript runs (it works without): rules checked as the voter
// goes, a draft kept in this tab so a reload loses nothing, and a confirmation before casting.
// Plain ES5 for WeChat's built-in browser.
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  if (!form) { return; }
  var en = form.getAttribute("data-lang") === "en";
  var key = form.getAttribute("data-draft-key");
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }

  function msg(zh, enText) { return en ? enText : zh; }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // --- rules, per section -------------------------------------------------------------
  function checkChoose(sec) {
    var max = parseInt(sec.getAttribute("data-max"), 10);
    var n = sec.querySelectorAll("input[type=checkbox]:checked").length;
    var names = {}, repeated = false;
    each(sec.querySelectorAll(".candidate .name"), function (el) { names[el.textContent.trim()] = true; });
    each(sec.querySelectorAll("input[name$=':write_in']"), function (i) {
      var v = i.value.trim();
      if (!v) { return; }
      n += 1;
      if (names[v]) { repeated = true; }
      names[v] = true;
    });
    sec.querySelector(".counter").textContent = msg("已选 " + n + " / " + max + " 人", n + " / " + max + " chosen");
    var out = n > max ? [msg("限选 " + max + " 人，已选 " + n + " 人", "Choose at most " + max + "; " + n + " chosen")] : [];
    if (repeated) { out.push(msg("另选人不能重复，也不能与候选人重名", "A name repeats, or repeats a candidate")); }
    return out;
  }

  function checkRating(sec) {
    var caps = JSON.parse(sec.getAttribute("data-caps") || "[]");
    var rows = parseInt(sec.getAttribute("data-rows") || "0", 10);
    var out = [];
    caps.forEach(function (cap) {
      var limit = Math.floor(cap.max_share * rows + 1e-9);
      var n = 0;
      each(sec.querySelectorAll("input[type=radio]:checked"), function (r) { if (r.value === cap.option) { n += 1; } });
      if (n > limit) {
        out.push(msg("「" + cap.option + "」最多 " + limit + " 个，已选 " + n + " 个",
                     "At most " + limit + " × “" + cap.option + "”; " + n + " chosen"));
      }
    });
    return out;
  }

  function checkScore(sec) {
    var lo = parseFloat(sec.getAttribute("data-min")), hi = parseFloat(sec.getAttribute("data-max-score"));
    var rules = JSON.parse(sec.getAttribute("data-rules") || "{}");
    var scores = [], out = [];
    each(sec.querySelectorAll("input[type=number]"), function (i) {
      if (i.value === "") { return; }
      var v = parseFloat(i.value);
      if (isNaN(v) || v < lo || v > hi) { out.push(msg("分数须在 " + lo + " 至 " + hi + " 之间", "Scores go from " + lo + " to " + hi)); }
      else { scores.push(v); }
    });
    (rules.caps || []).forEach(function (c) {
      var n = scores.filter(function (s) { return s >= c.at_least; }).length;
      if (n > c.max_count) { out.push(msg(c.at_least + " 分及以上最多 " + c.max_count + " 人，已有 " + n + " 人", "At most " + c.max_count + " scores of " + c.at_least + " or more")); }
    });
    if (scores.length) {
      (rules.floors || []).forEach(function (f) {
        var n = scores.filter(function (s) { return s < f.below; }).length;
        if (n < f.min_count) { out.push(msg(f.below + " 分以下至少 " + f.min_count + " 人，现有 " + n + " 人", "At least " + f.min_count + " scores below " + f.below)); }
      });
    }
    if (rules.identical && scores.length > 1 && scores.every(function (s) { return s === scores[0]; })) {
      out.push(msg("所有分数都相同，视为无效，请区分打分", "All scores are the same, which makes them invalid"));
    }
    return out;
  }

  function checkText(sec) {
    var area = sec.querySelector("textarea"), max = parseInt(sec.getAttribute("data-max-length"), 10);
    var n = area.value.replace(/\r\n?/g, "\n").trim().length;
    sec.querySelector(".counter").textContent = n + " / " + max;
    return n > max ? [msg("不能超过 " + max + " 字", "At most " + max + " characters")] : [];
  }

  var checks = { choose: checkChoose, rating: checkRating, score: checkScore, text: checkText };

  function check(sec) {
    var fn = checks[sec.getAttribute("data-type")];
    var problems = fn ? fn(sec) : [];
    var live = sec.querySelector(".live");
    live.textContent = problems.join("；");
    sec.classList.toggle("has-problem", problems.length > 0);
    return problems.length === 0;
  }

  // --- draft ------------------------------------------------------------------------
  function saveDraft() {
    if (!store) { return; }
    var data = [];
    each(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.push([el.name, el.value]);
    });
    try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or off */ }
  }

  function restoreDraft() {
    if (!store || form.querySelector("#problems")) { return; }
    var raw = store.getItem(key);
    if (!raw) { return; }
    var data = JSON.parse(raw), seen = {};
    data.forEach(function (pair) {
      var all = form.querySelectorAll("[name='" + pair[0].replace(/'/g, "\\'") + "']");
      if (!all.length) { return; }
      if (all[0].type === "radio" || all[0].type === "checkbox") {
        each(all, function (el) { if (el.value === pair[1]) { el.checked = true; } });
      } else {  // repeated text fields (write-ins) come back in their order
        var i = seen[pair[0]] || 0;
        if (all[i]) { all[i].value = pair[1]; }
        seen[pair[0]] = i + 1;
      }
    });
  }

  // --- confirmation -----------------------------------------------------------------
  function summary() {
    var answered = 0, blank = 0;
    each(form.querySelectorAll("fieldset.row"), function (fs) {
      if (fs.querySelector("input:checked")) { answered += 1; } else { blank += 1; }
    });
    // 意见建议 is optional: an empty comment box is no abstention.
    each(form.querySelectorAll(".q-choose, .q-score"), function (sec) {
      var any = sec.querySelector("input:checked") || Array.prototype.some.call(
        sec.querySelectorAll("input[type=number], input[name$=':write_in'], textarea"),
        function (i) { return i.value.trim() !== ""; });
      if (any) { answered += 1; } else { blank += 1; }
    });
    each(form.querySelectorAll(".q-text textarea"), function (t) { if (t.value.trim() !== "") { answered += 1; } });
    return msg("已完成 " + answered + " 项，弃权 " + blank + " 项。", answered + " answered, " + blank + " abstained.");
  }

  // --- the receipt code, before sending (tracker.js) ------------------------------------
  // The ballot's random id is drawn here once a tab and kept with the draft, so a ballot sent
  // again after a lost response is the same ballot with the same receipt code.
  var sentKey = key.replace("pingyi-draft-", "pingyi-sent-");
  var Tracker = window.PingyiTracker;

  function answersOf() {  // what the server reads from this form (pages._parse_form, forms.validate)
    var strip = Tracker.pyStrip, out = {};
    each(form.querySelectorAll(".q"), function (sec) {
      var type = sec.getAttribute("data-type"), sid = sec.getAttribute("data-section"), prefix = "s" + sid + ":";
      var value = {}, any = false;
      if (type === "rating" || type === "approve" || type === "score") {
        each(sec.querySelectorAll("input"), function (i) {
          if ((i.type === "radio" && !i.checked) || i.name.indexOf(prefix) !== 0) { return; }
          var raw = strip(i.value);
          if (raw === "") { return; }
          value[i.name.slice(prefix.length)] = type === "score" ? Number(raw) : raw;
          any = true;
        });
      } else if (type === "choose") {
        var chosen = [], names = [];
        each(sec.querySelectorAll("input[type=checkbox]:checked"), function (i) {
          var n = parseInt(i.value, 10);
          if (chosen.indexOf(n) < 0) { chosen.push(n); }
        });
        each(sec.querySelectorAll("input[name$=':write_in']"), function (i) {
          var v = strip(i.value);
          if (v) { names.push(v); }
        });
        if (chosen.length) { value.chosen = chosen.sort(function (a, b) { return a - b; }); any = true; }
        if (names.length) { value.write_ins = names.sort(Tracker.byCodePoint); any = true; }
      } else {
        value = strip(sec.querySelector("textarea").value.replace(/\r\n?/g, "\n"));
        any = value !== "";
      }
      if (any) { out[sid] = value; }
    });
    return out;
  }

  function stamp() {  // the id into the form, the receipt code into this tab, just before sending
    if (!Tracker || !form.elements.ballot_id) { return; }
    var kept = null;
    try { kept = store && JSON.parse(store.getItem(sentKey) || "null"); } catch (e) { kept = null; }
    var id = (kept && kept.id) || form.elements.ballot_id.value || Tracker.newBallotId();
    form.elements.ballot_id.value = id;
    var code = Tracker.tracker(id, parseInt(form.getAttribute("data-round"), 10),
                               parseInt(form.getAttribute("data-group"), 10), answersOf());
    form.setAttribute("data-tracker", code);
    try { if (store) { store.setItem(sentKey, JSON.stringify({ id: id, tracker: code })); } } catch (e) { /* off */ }
  }

  var confirmed = false;
  var dialog = document.getElementById("confirm");
  form.addEventListener("submit", function (ev) {
    if (form.getAttribute("data-preview")) { ev.preventDefault(); return; }  // the organisers' 预览: never sent
    if (confirmed) { return; }
    ev.preventDefault();
    var firstBad = null;
    each(form.querySelectorAll(".q"), function (sec) { if (!check(sec) && !firstBad) { firstBad = sec; } });
    if (firstBad) {
      firstBad.scrollIntoView({ behavior: "smooth", block: "start" });
      var focusable = firstBad.querySelector("input, textarea");
      if (focusable) { focusable.focus({ preventScroll: true }); }
      return;
    }
    var text = summary();
    if (dialog && typeof dialog.showModal === "function") {
      document.getElementById("confirm-summary").textContent = text;
      dialog.showModal();
      document.getElementById("confirm-yes").focus();
    } else if (window.confirm(msg("确认提交选票？", "Submit your ballot?") + "\n" + text)) {
      confirmed = true; stamp(); form.submit();
    }
  });
  if (dialog) {
    document.getElementById("confirm-no").addEventListener("click", function () {
      if (dialog.close) { dialog.close(); }
    });
    document.getElementById("confirm-yes").addEventListener("click", function () {
      confirmed = true;
      if (dialog.close) { dialog.close(); }
      form.querySelector(".submit-bar button").disabled = true;
      stamp();
      form.submit();
    });
  }

  restoreDraft();
  each(form.querySelectorAll(".q"), function (sec) {
    check(sec);
    sec.addEventListener("input", function () { check(sec); saveDraft(); });
    sec.addEventListener("change", function () { check(sec); saveDraft(); });
  });
})();
