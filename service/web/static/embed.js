// The turnout widget: fetch the counts every few seconds and update them in place (the page
// shows them without this script and reloads itself where scripts are off).
(function () {
  "use strict";
  var box = document.querySelector("[data-source]");
  var every = box ? Number(box.getAttribute("data-poll")) : 0;
  if (!every) { return; }
  function set(key, value) {
    var el = document.querySelector("[data-key='" + key + "']");
    if (el && el.textContent !== String(value)) { el.textContent = value; }
  }
  var timer;
  function tick() {
    fetch(box.getAttribute("data-source"), { cache: "no-store", credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) {
        if (!t) { return; }
        set("cast", t.cast); set("issued", t.issued); set("percent", t.percent); set("state", t.state_label);
        var bar = document.querySelector("[data-key='bar']");
        bar.max = t.issued || 1; bar.value = t.issued ? t.cast : 0; bar.textContent = t.percent;
        t.groups.forEach(function (g) {
          ["issued", "cast", "remaining"].forEach(function (k) { set("g" + g.id + "-" + k, g[k]); });
        });
        if (!t.live) { window.clearInterval(timer); }  // voting is over: the numbers are final
      })
      .catch(function () { /* keep the last numbers on screen */ });
  }
  timer = window.setInterval(tick, every * 1000);
})();
