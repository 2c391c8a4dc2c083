// The receipt: a copy button; the drafts of this tab (and the receipt codes it worked out before
// sending) forgotten now that the ballot is cast and its receipt shown; and, for a slip that
// covers several rounds, this tab's receipts of its rounds listed together. They are kept only
// in this tab (sessionStorage) and never sent: the server sees each round's cast on its own.
(function () {
  "use strict";
  var s = null;
  try { s = window.sessionStorage; } catch (e) { s = null; }
  if (s) {
    try {
      for (var i = s.length - 1; i >= 0; i -= 1) {
        var k = s.key(i);
        if (k && (k.indexOf("pingyi-draft-") === 0 || k.indexOf("pingyi-sent-") === 0)) { s.removeItem(k); }
      }
    } catch (e) { /* storage off */ }
  }
  var box = document.getElementById("slip-receipts");
  var tracker = document.getElementById("tracker");
  if (box && tracker && s) {
    var key = box.getAttribute("data-slip-key"), kept = [];
    try { kept = JSON.parse(s.getItem(key) || "[]") || []; } catch (e) { kept = []; }
    var round = box.getAttribute("data-round"), seen = false;
    for (var j = 0; j < kept.length; j += 1) { if (kept[j].round === round) { seen = true; } }
    if (!seen) { kept.push({ round: round, title: box.getAttribute("data-title"), tracker: tracker.textContent }); }
    try { s.setItem(key, JSON.stringify(kept)); } catch (e) { /* full or off */ }
    if (kept.length > 1) {
      var list = box.querySelector("ul");
      for (var n = 0; n < kept.length; n += 1) {
        var li = document.createElement("li"), name = document.createElement("span"), code = document.createElement("code");
        name.textContent = kept[n].title + "：";
        code.textContent = kept[n].tracker;
        li.appendChild(name);
        li.appendChild(code);
        list.appendChild(li);
      }
      box.hidden = false;
    }
  }
  var button = document.querySelector("[data-copy]");
  if (!button || !navigator.clipboard) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = document.getElementById(button.getAttribute("data-copy")).textContent;
    navigator.clipboard.writeText(text).then(function () {
      button.textContent = document.documentElement.lang === "en" ? "Copied" : "已复制";
    });
  });
})();
