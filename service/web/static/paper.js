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
