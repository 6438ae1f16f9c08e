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
    el.dataset.stops = String(geo.stops.length);
    el.dataset.nextStop = next ? String(next.id) : "";
  });
})();
