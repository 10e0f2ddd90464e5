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
