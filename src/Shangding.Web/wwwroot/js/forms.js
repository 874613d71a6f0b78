// A form refused with errors lists them at its top (.form-errors): the list takes the focus when the page loads, so a
// keyboard or screen-reader user lands on it, wherever the form is on the page; each item's link moves the focus to its field.
(function () {
  "use strict";
  var summary = document.querySelector(".form-errors");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (e) {
    var link = e.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (field) { e.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
  });
})();
