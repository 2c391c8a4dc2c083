// The receipt: a copy button, and the drafts of this tab (and the receipt codes it worked out
// before sending) forgotten now that the ballot is cast and its receipt shown.
(function () {
  "use strict";
  try {
    var s = window.sessionStorage;
    for (var i = s.length - 1; i >= 0; i -= 1) {
      var k = s.key(i);
      if (k && (k.indexOf("pingyi-draft-") === 0 || k.indexOf("pingyi-sent-") === 0)) { s.removeItem(k); }
    }
  } catch (e) { /* storage off */ }
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
