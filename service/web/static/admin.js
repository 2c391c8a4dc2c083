// Progressive help for the admin pages; every form works without it.
(function () {
  "use strict";
  var type = document.getElementById("section-type");
  function showFieldsFor(value) {
    document.querySelectorAll("#add-section [data-for]").forEach(function (el) {
      var on = el.getAttribute("data-for").split(" ").indexOf(value) !== -1;
      el.hidden = !on;
      el.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = !on; });
    });
  }
  if (type) {
    type.addEventListener("change", function () { showFieldsFor(type.value); });
    showFieldsFor(type.value);
  }
  // A refused form comes back with its messages beside it: show that form, not the page's top.
  var refused = document.querySelector(".form-errors");
  if (refused) {
    var folded = refused.closest("details");
    if (folded) { folded.open = true; }
    refused.scrollIntoView({ block: "center" });
  }
  // A secret shown once (a new API key): a copy button where the browser offers the clipboard.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent;
      navigator.clipboard.writeText(text).then(function () { button.textContent = "已复制"; });
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
})();
