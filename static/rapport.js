// A little plain JavaScript that improves pages; every page works without it.

// A page opened at a place in it (a form sent back to its field, "#why-form") is not given the
// focus its error asks for: browsers skip autofocus then. The error (or its field) is focused
// here once the page has loaded and moved to that place, so that the keyboard starts at it
// and a screen reader reads it. Without JavaScript the page still shows the error by its field.
window.addEventListener("load", function () {
  "use strict";
  if (!window.location.hash) { return; }
  var wanted = document.querySelector("[autofocus]");
  if (wanted && document.activeElement !== wanted) { wanted.focus(); }
});

// A browser's date field holding a date typed only in part, or one the calendar does not have
// (31 February), sends nothing at all: the server cannot tell it from a field left empty, and
// an optional date was saved as none, or a saved one wiped. Such a form is not sent; the field
// says why, as the server says it of a field, and has the focus.
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  var dates = form.querySelectorAll('input[type="date"]');
  var bad = [];
  Array.prototype.forEach.call(dates, function (input) {
    var id = input.id + "-incomplete";
    var said = document.getElementById(id);
    if (input.validity && input.validity.badInput) {
      bad.push(input);
      if (!said) {
        said = document.createElement("p");
        said.className = "field-error";
        said.id = id;
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = "Error:";
        said.appendChild(hidden);
        said.appendChild(document.createTextNode(
          " This date is incomplete, or the calendar has no such day: type its day, " +
          "month and year, or clear the field. Nothing was sent."));
        input.parentNode.insertBefore(said, input);
        var described = input.getAttribute("aria-describedby");
        input.setAttribute("aria-describedby", described ? id + " " + described : id);
      }
      input.setAttribute("aria-invalid", "true");
      var field = input.closest(".field");
      if (field && !field.classList.contains("has-error")) {
        field.classList.add("has-error");
        field.setAttribute("data-incomplete", "");
      }
    } else if (said) {
      said.parentNode.removeChild(said);
      var rest = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (d) {
        return d && d !== id;
      });
      if (rest.length) { input.setAttribute("aria-describedby", rest.join(" ")); }
      else { input.removeAttribute("aria-describedby"); }
      var marked = input.closest("[data-incomplete]");
      if (marked) {
        marked.classList.remove("has-error");
        marked.removeAttribute("data-incomplete");
        input.removeAttribute("aria-invalid");
      }
    }
  });
  if (bad.length) {
    event.preventDefault();
    bad[0].focus();
  }
}, true);
