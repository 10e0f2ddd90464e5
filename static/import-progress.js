// Follows a running contact import: updates the progress in place every second and shows the
// result when the import has finished. Without JavaScript the page has a "Check again" link.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var text = document.getElementById("import-progress-text");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (!s.running) { window.location.reload(); return; }
        if (text.textContent !== s.text) { text.textContent = s.text; }
        bar.value = s.percent;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
