/* Colours and widths that come from data (a route's colour, a status badge, a fill level).
   The content security policy refuses style attributes, so templates write them as
   data-c (the --c colour) and data-pct (a width in percent) and this script applies
   them through the CSSOM, which the policy allows: on load and after each htmx swap. */
(function () {
  "use strict";

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    if (root.querySelectorAll) root.querySelectorAll(selector).forEach(fn);
  }

  function paint(root) {
    each(root, "[data-c]", function (el) { el.style.setProperty("--c", el.dataset.c); });
    each(root, "[data-pct]", function (el) {
      el.style.width = Math.max(0, Math.min(100, Number(el.dataset.pct) || 0)) + "%";
    });
  }

  paint(document);
  document.addEventListener("htmx:load", function (e) { paint(e.target); });
})();
