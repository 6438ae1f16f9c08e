/* ReLoop driver service worker: keeps the app shell and the day's pages for offline use.
   Version {{ version }}: it changes with the shell files, so phones pick up new code. */
"use strict";
var VERSION = {{ version|tojson }};
var SHELL = "reloop-shell-" + VERSION;
var PAGES = "reloop-pages";  // the driver's route and stop pages, refreshed on every visit with signal
var SHELL_FILES = {{ (shell + [offline_url])|tojson }};
var OFFLINE = {{ offline_url|tojson }};
var NETWORK_WAIT_MS = 4000;  // one bar in a car park: show the kept page rather than wait
// Today's route area as the route map fills it (route-map.js): tiles, glyphs, the style.
var MAP = "reloop-map";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("reloop-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(request, response, name) {
  // Only plain successful same-site answers: never a login page reached by redirect.
  if (response && response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    caches.open(name || PAGES).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

function networkFirst(request) {
  var fromNetwork = fetch(request).then(function (response) { return keep(request, response); });
  var fallback = function () {
    return caches.match(request, { ignoreSearch: request.mode === "navigate" }).then(function (hit) {
      return hit || (request.mode === "navigate" ? caches.match(OFFLINE) : Response.error());
    });
  };
  var timeout = new Promise(function (resolve) {
    setTimeout(function () {
      caches.match(request).then(function (hit) { if (hit) resolve(hit); });
    }, NETWORK_WAIT_MS);
  });
  return Promise.race([fromNetwork.catch(fallback), timeout]);
}

function staleWhileRevalidate(request) {
  var update = fetch(request).then(function (response) { return keep(request, response, SHELL); });
  // Any kept copy: the shell's, or MapLibre kept with the route's map area (MAP).
  return caches.match(request).then(function (hit) {
    if (hit) { update.catch(function () {}); return hit; }
    return update;
  });
}

// Tiles and glyphs do not change for the same data: the kept copy first, the network for the
// rest (kept too). The style names this host's URLs, so it is fetched fresh when there is signal.
function mapFirst(request) {
  return caches.open(MAP).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) { return keep(request, response, MAP); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  // The sync API goes straight to the network: the page's queue decides what to retry.
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (url.pathname.indexOf("/tiles/") === 0 && url.pathname.slice(-4) === ".pbf") {
    event.respondWith(mapFirst(request));
  } else if (url.pathname === "/tiles/style.json") {
    event.respondWith(fetch(request).then(function (response) { return keep(request, response, MAP); })
      .catch(function () { return caches.match(request).then(function (hit) { return hit || Response.error(); }); }));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (request.mode === "navigate" || url.pathname.indexOf("/driver/") === 0 ||
             url.pathname === "/geo/streets.geojson") {
    event.respondWith(networkFirst(request));
  }
});
