/* The driver's small route map: the offline street base map, the route line and numbered
   stops coloured by status. Tapping a stop opens its page. Data from a JSON block. */
(function () {
  "use strict";
  document.querySelectorAll(".route-map").forEach(function (el) {
    var dataEl = el.nextElementSibling;
    if (!dataEl || !window.L) return;
    var geo = JSON.parse(dataEl.textContent), map = window.ReLoopBasemap(el);
    var points = [];
    if (geo.line && geo.line.length) {
      var line = L.polyline(geo.line.map(function (p) { return [p[1], p[0]]; }),
                            { color: "#0f172a", weight: 5, opacity: 0.8 }).addTo(map);
      points = points.concat(line.getLatLngs());
    }
    geo.stops.forEach(function (s) {
      // Colour by class, so driver.js can recolour a pin when a record is queued or sent.
      var number = document.createElement("span");  // text, never markup
      number.textContent = s.kind === "outlet" ? String(s.n) : "⇩";
      var icon = L.divIcon({ className: "stop-pin stop-pin-" + s.id + " " + s.status, iconSize: [30, 30],
                             html: number });
      var marker = L.marker([s.lat, s.lon], { icon: icon, title: s.name, keyboard: false }).addTo(map);
      if (s.url) marker.on("click", function () { window.location.href = s.url; });
      points.push([s.lat, s.lon]);
    });
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.08));
    el.dataset.stops = String(geo.stops.length);
  });
})();
