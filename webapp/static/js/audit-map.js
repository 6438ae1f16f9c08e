/* Custody chain map: the battery's known locations in order, over the offline street map. */
(function () {
  "use strict";
  var el = document.getElementById("custody-map");
  if (!el) return;
  var points = JSON.parse(el.dataset.points || "[]");
  if (!points.length) return;
  var map = window.ReLoopBasemap(el);
  var line = points.map(function (p) { return [p.lat, p.lon]; });
  points.forEach(function (p, i) {
    L.marker([p.lat, p.lon], { title: p.label })
      .bindTooltip(window.ReLoopText([[String(i + 1) + ". " + p.label]]), { permanent: false })
      .addTo(map);
  });
  if (line.length > 1) {
    L.polyline(line, { color: "#15803d", weight: 3, dashArray: "6 6" }).addTo(map);
    map.fitBounds(L.latLngBounds(line).pad(0.3));
  } else {
    map.setView(line[0], 15);
  }
  el.dataset.points_drawn = String(points.length);
})();
