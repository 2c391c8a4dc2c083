// The paper count's scan box (service/web/templates/paper/index.html). A USB scanner types the QR
// code's URL and Enter, which submits the form as it is; where the browser can read QR codes from
// the camera (BarcodeDetector), a button opens the camera and submits what it reads. The code is
// sent in the form's body only, never put in the address bar.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var button = document.getElementById("camera");
  var video = document.getElementById("camera-view");
  if (!form || !button || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            document.getElementById("code").value = codes[0].rawValue;
            form.submit();
          } else {
            window.requestAnimationFrame(look);
          }
        }, function () { window.requestAnimationFrame(look); });
      };
      look();
    }, function () { button.textContent = "无法打开摄像头，请用扫码枪或手工输入"; button.disabled = true; });
  });
})();

// Uploading scans: the files' transfer with a progress bar, then the reading's progress (the
// job's page), polled until it is done. Without JavaScript the form posts and the job page
// reloads itself by the same poll.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var bar = document.getElementById("upload-progress");
      var status = document.getElementById("upload-status");
      var xhr = new XMLHttpRequest();
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = "正在上传：" + bar.value + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200) {
          status.textContent = "上传完成，正在识读…";
          window.location.href = JSON.parse(xhr.responseText).job;
        } else if (xhr.status === 413) {
          status.textContent = "文件总大小超过上限，请分批上传。";
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", function () { status.textContent = "上传失败，请检查网络后重试。"; });
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.send(new FormData(form));
    });
  }
  var job = document.getElementById("job");
  if (!job) return;
  var poll = function () {
    var xhr = new XMLHttpRequest();
    xhr.addEventListener("load", function () {
      if (xhr.status !== 200) return;
      var p = JSON.parse(xhr.responseText);
      var bar = document.getElementById("job-progress");
      bar.max = p.total || 1; bar.value = p.done;
      var list = document.getElementById("job-problems");
      list.textContent = "";
      p.problems.forEach(function (x) {
        var li = document.createElement("li");
        li.textContent = "第 " + x.page + " 页：" + x.problem;
        list.appendChild(li);
      });
      if (p.finished) {
        document.getElementById("job-status").textContent = "已完成：共 " + p.total + " 页，读入 " + p.sheets + " 张选票。";
        document.getElementById("job-done").hidden = false;
      } else {
        document.getElementById("job-status").textContent = "正在识读：" + p.done + " / " + p.total + " 页…";
        window.setTimeout(poll, 500);
      }
    });
    xhr.open("GET", job.getAttribute("data-progress-url"));
    xhr.send();
  };
  poll();
})();
