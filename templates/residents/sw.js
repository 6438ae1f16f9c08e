/* ReLoop resident app service worker: the shell offline, every page fresh from the network.
   Version {{ version }}: it changes with the shell files, so phones pick up new styles. */
"use strict";
var SHELL = "reloop-resident-shell-" + {{ version|tojson }};
var SHELL_FILES = {{ (shell + [offline_url])|tojson }};
var OFFLINE = {{ offline_url|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("reloop-resident-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return caches.match(OFFLINE); }));
    return;
  }
  if (SHELL_FILES.indexOf(new URL(request.url).pathname) >= 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
