// A used ballot's page: if this tab sent the ballot (ballot.js keeps the id and receipt code it
// worked out before sending), show the receipt code, for a voter whose response was lost.
(function () {
  "use strict";
  var box = document.getElementById("sent-receipt");
  if (!box) { return; }
  var kept = null;
  try { kept = JSON.parse(window.sessionStorage.getItem(box.getAttribute("data-sent-key")) || "null"); } catch (e) { kept = null; }
  if (!kept || !kept.tracker) { return; }
  document.getElementById("sent-tracker").textContent = kept.tracker;
  box.hidden = false;
})();
