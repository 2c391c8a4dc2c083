// The projector: fetch the counts every 2 seconds and update the numbers in place.
(function () {
  "use strict";
  var source = document.body.getAttribute("data-source");
  var labels = { draft: "草稿", announced: "已公告", open: "投票中", closed: "投票结束", published: "公示中", archived: "已归档" };
  function set(key, value) {
    var el = document.querySelector("[data-key='" + key + "']");
    if (el && el.textContent !== String(value)) {
      el.textContent = value;
      el.classList.remove("bump"); void el.offsetWidth; el.classList.add("bump");
    }
  }
  function tick() {
    fetch(source, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (t) {
      document.getElementById("state").textContent = labels[t.state] || t.state;
      t.rounds.forEach(function (rnd) {
        set("r" + rnd.id + "-cast", rnd.cast); set("r" + rnd.id + "-issued", rnd.issued);
        rnd.groups.forEach(function (g) {
          ["issued", "cast", "remaining"].forEach(function (k) { set("r" + rnd.id + "-g" + g.id + "-" + k, g[k]); });
        });
      });
      document.getElementById("clock").textContent = new Date().toLocaleTimeString("zh-CN");
    }).catch(function () { /* keep the last numbers on screen */ });
  }
  tick();
  window.setInterval(tick, 2000);
})();
