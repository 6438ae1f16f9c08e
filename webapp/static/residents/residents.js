/* The resident app installs its service worker so it can be added to the home screen. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    var link = document.querySelector('link[rel="manifest"]');
    if (link) {
      var scope = new URL(".", new URL(link.href, window.location.href)).pathname;
      navigator.serviceWorker.register(scope + "sw.js", { scope: scope }).catch(function () {});
    }
  }
})();
