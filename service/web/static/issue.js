// Issue a batch without leaving the page: download the PDF (or the codes' CSV) while showing
// how many slips the server has written. Without JavaScript the form posts and the browser
// downloads, and the CSV's warning and its box stay on show (the server checks the box).
(function () {
  "use strict";
  var form = document.getElementById("issue-batch");
  if (!form) { return; }
  var layout = form.querySelector("select[name=layout]");
  var warning = document.getElementById("codes-warning");
  var understood = warning.querySelector("input[name=understood]");
  function isCsv() { return layout.value === "csv"; }
  function showWarning() {
    warning.hidden = !isCsv();
    understood.required = isCsv();
  }
  layout.addEventListener("change", showWarning);
  showWarning();
  if (!window.fetch || !window.Blob) { return; }
  var box = form.querySelector(".progress");
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var button = form.querySelector("button[type=submit]");

  function show(done, total) {
    bar.max = total; bar.value = done;
    text.textContent = "已生成 " + done + " / " + total + " 张";
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var csv = isCsv();
    if (csv && !window.confirm(form.getAttribute("data-confirm-csv"))) { return; }
    button.disabled = true;
    box.hidden = false;
    text.textContent = "正在生成选票…";
    var timer = null;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
      .then(function (resp) {
        var batch = resp.headers.get("X-Batch-Id");
        // Refused (nothing was issued): post the form the plain way, so the page comes back with
        // the messages beside this form and what was typed still in it.
        if (!resp.ok || !batch) { form.submit(); return null; }
        var total = parseInt(resp.headers.get("X-Batch-Size"), 10);
        var progressUrl = form.action + "/" + batch + "/progress";
        show(0, total);
        timer = window.setInterval(function () {
          fetch(progressUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
            .then(function (p) { show(p.printed, p.size); }).catch(function () {});
        }, 400);
        var name = /filename\*=UTF-8''([^;]+)/.exec(resp.headers.get("Content-Disposition") || "");
        return resp.blob().then(function (blob) {
          window.clearInterval(timer);
          show(total, total);
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = name ? decodeURIComponent(name[1]) : (csv ? "ballot-codes.csv" : "ballots.pdf");
          document.body.appendChild(link);
          link.click();
          text.textContent = csv
            ? "已生成 " + total + " 张，票码 CSV 已下载。它不能再次下载：只交印刷厂，印制后删除。"
            : "已生成 " + total + " 张，文件已下载。票码不会再次显示，请妥善保存。";
          window.setTimeout(function () { window.location.reload(); }, 2500);
        });
      })
      .catch(function () {
        if (timer) { window.clearInterval(timer); }
        text.textContent = "生成失败：网络中断。请刷新页面查看批次；未拿到文件的批次请整批作废后重新生成。";
        button.disabled = false;
      });
  });
})();
