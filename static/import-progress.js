// Follows a running contact import: updates the progress in place every second and shows the
// result when the import has finished. Without JavaScript the page has a "Check again" link.
// A busy or failing server is asked again a little later (as its Retry-After says); an answer
// that is no status (signed out, the import gone) reloads the page, which says why.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var text = document.getElementById("import-progress-text");
  // What a screen reader is told: the phase ("Checking the rows", "Importing"), when it changes.
  var phase = document.getElementById("import-progress-phase");
  var said = text.textContent.split(":")[0];
  var bar = box.querySelector("progress");
  function later(r) {
    var seconds = parseInt(r && r.headers.get("Retry-After"), 10);
    window.setTimeout(poll, (seconds > 0 && seconds < 60 ? seconds : 3) * 1000);
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.ok && !r.redirected) { return r.json(); }
        if (r.status >= 500) { later(r); } else { window.location.reload(); }
        return null;
      })
      .then(function (s) {
        if (!s) { return; }
        if (!s.running) { window.location.reload(); return; }
        if (text.textContent !== s.text) { text.textContent = s.text; }
        var now = s.text.split(":")[0];
        if (phase && now !== said) { said = now; phase.textContent = now; }
        if (s.percent === null) { bar.removeAttribute("value"); } else { bar.value = s.percent; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { later(null); });
  }
  window.setTimeout(poll, 500);
}());
