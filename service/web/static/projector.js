// The projector: fetch the counts every 2 seconds and update the numbers in place. When what the
// page was drawn for changes (a group's first batch, the organiser's 当场公布), reload it.
(function () {
  "use strict";
  var source = document.body.getAttribute("data-source");
  var drawn = document.body.getAttribute("data-signature");
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
      if (t.signature !== drawn) { window.location.reload(); return; }
      document.getElementById("state").textContent = labels[t.state] || t.state;
      t.rounds.forEach(function (rnd) {
        set("r" + rnd.id + "-cast", rnd.cast); set("r" + rnd.id + "-issued", rnd.issued);
        set("r" + rnd.id + "-rate", rnd.rate_text); set("r" + rnd.id + "-left", rnd.time_left);
        rnd.groups.forEach(function (g) {
          set("r" + rnd.id + "-g" + g.id + "-issued", g.issued); set("r" + rnd.id + "-g" + g.id + "-cast", g.cast);
          set("r" + rnd.id + "-g" + g.id + "-rate", g.rate_text);
        });
      });
      document.getElementById("clock").textContent = new Date().toLocaleTimeString("zh-CN");
    }).catch(function () { /* keep the last numbers on screen */ });
  }
  tick();
  window.setInterval(tick, 2000);
})();
