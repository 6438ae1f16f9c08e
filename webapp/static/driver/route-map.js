/* The driver's small route map: the offline base map, the route line along the streets and
   numbered stops coloured by status, clustered where they crowd. It opens fitted to the
   stops; today's next stop (the first still to do) is highlighted and never clustered.
   Tapping a stop opens its page. Data from a JSON block. */
(function () {
  "use strict";
  var DONE = { collected: true, skipped: true, queued: true };

  function pin(s, next) {
    // Colour by class, so driver.js can recolour a pin when a record is queued or sent.
    var number = document.createElement("span");  // text, never markup
    number.textContent = s.kind !== "unload" ? String(s.n) : "⇩";
    var icon = L.divIcon({ className: "stop-pin stop-pin-" + s.id + " " + s.status + (next ? " next" : ""),
                           iconSize: next ? [38, 38] : [30, 30], html: number });
    var marker = L.marker([s.lat, s.lon], { icon: icon, title: s.name, keyboard: false,
                                            zIndexOffset: next ? 1000 : 0 });
    if (s.url) marker.on("click", function () { window.location.href = s.url; });
    return marker;
  }

  var SCRIPT = document.currentScript ? document.currentScript.src : "";
  var STATIC = SCRIPT.replace(/driver\/route-map\.js(\?.*)?$/, "");
  var MAP_CACHE = "reloop-map";  // the service worker serves tiles and glyphs from it (sw.js)
  var MAPLIBRE = ["vendor/maplibre-gl-5.24.0/maplibre-gl-csp.js", "vendor/maplibre-gl-5.24.0/maplibre-gl.css",
                  "vendor/maplibre-gl-leaflet-0.1.4/leaflet-maplibre-gl.js"];

  /* While there is signal, keep what draws this route's area with none: MapLibre, the style,
     the tiles over the stops and line at the route map's zooms and the glyphs of their names
     (the app says which, bounded). Yesterday's area is dropped. */
  function keepMapArea(el, bounds) {
    if (!("caches" in window) || !navigator.onLine || !bounds.isValid()) return;
    var b = bounds.pad(0.2), tiles = new URL("../tiles/", new URL(el.dataset.streetsUrl, window.location.href));
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
    fetch(tiles.href + "offline.json?bbox=" + bbox.join(","), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("offline.json " + r.status); return r.json(); })
      .then(function (set) {
        var wanted = set.tiles.concat(set.glyphs).map(function (u) { return new URL(u, window.location.href).href; });
        wanted = wanted.concat([tiles.href + "style.json", new URL(el.dataset.workerUrl, window.location.href).href],
                               MAPLIBRE.map(function (f) { return STATIC + f; }));
        return caches.open(MAP_CACHE).then(function (cache) {
          return cache.keys().then(function (kept) {
            var have = {};
            kept.forEach(function (req) { have[req.url] = true; });
            var keep = {};
            wanted.forEach(function (u) { keep[u] = true; });
            var stale = kept.filter(function (req) { return !keep[req.url]; });
            var missing = wanted.filter(function (u) { return !have[u]; });
            return Promise.all(stale.map(function (req) { return cache.delete(req); })).then(function () {
              return addInBatches(cache, missing, 12);
            });
          }).then(function () { return cachedBytes(cache); });
        }).then(function (bytes) {
          el.dataset.offlineTiles = String(set.tiles.length);
          el.dataset.offlineBytes = String(bytes);
          el.dataset.offlineMap = "1";
        });
      }).catch(function (e) { console.warn("offline map", e); });
  }

  function addInBatches(cache, urls, size) {
    if (!urls.length) return Promise.resolve();
    return Promise.all(urls.slice(0, size).map(function (u) {
      return cache.add(u).catch(function () {});  // a tile that fails now is fetched when shown
    })).then(function () { return addInBatches(cache, urls.slice(size), size); });
  }

  function cachedBytes(cache) {
    return cache.keys().then(function (reqs) {
      return Promise.all(reqs.map(function (req) {
        return cache.match(req).then(function (r) { return r ? r.blob() : null; })
          .then(function (blob) { return blob ? blob.size : 0; });
      }));
    }).then(function (sizes) { return sizes.reduce(function (a, n) { return a + n; }, 0); });
  }

  document.querySelectorAll(".route-map").forEach(function (el) {
    var dataEl = el.nextElementSibling;
    if (!dataEl || !window.L) return;
    var geo = JSON.parse(dataEl.textContent), map = window.ReLoopBasemap(el);
    if (geo.line && geo.line.length) {
      L.polyline(geo.line.map(function (p) { return [p[1], p[0]]; }),
                 { color: "#0f172a", weight: 5, opacity: 0.8 }).addTo(map);
    }
    var next = null;
    geo.stops.forEach(function (s) { if (!next && s.kind !== "unload" && !DONE[s.status]) next = s; });
    var group = L.markerClusterGroup
      ? L.markerClusterGroup({ maxClusterRadius: 30, showCoverageOnHover: false, disableClusteringAtZoom: 16 })
      : L.layerGroup();
    var stops = [];
    geo.stops.forEach(function (s) {
      var marker = pin(s, s === next);
      if (s === next) marker.addTo(map); else group.addLayer(marker);
      stops.push([s.lat, s.lon]);
    });
    group.addTo(map);
    if (stops.length) map.fitBounds(L.latLngBounds(stops).pad(0.1), { maxZoom: 17 });
    var area = L.latLngBounds(stops);
    (geo.line || []).forEach(function (p) { area.extend([p[1], p[0]]); });
    keepMapArea(el, area);
    el.dataset.stops = String(geo.stops.length);
    el.dataset.nextStop = next ? String(next.id) : "";
  });
})();
