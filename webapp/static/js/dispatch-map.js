/* Dispatch maps: due outlets on the board, coloured routes on a plan. Data comes from
   a JSON script block so no inline script is needed. */
(function () {
  "use strict";
  var el = document.getElementById("map"), data = document.getElementById("map-data");
  if (!el || !data) return;
  var map = window.ReLoopBasemap(el);
  var geo = JSON.parse(data.textContent);
  var layer = L.geoJSON(geo, {
    style: function (f) {
      if (f.geometry.type !== "LineString") return {};
      return { color: f.properties.colour || "#0072B2", weight: 5, opacity: 0.9 };
    },
    pointToLayer: function (f, latlng) {
      var p = f.properties, colour = p.colour || (p.due ? "#dc2626" : "#f59e0b");
      var marker = L.circleMarker(latlng, { radius: p.kind === "unload" ? 8 : 6, color: "#fff", weight: 2,
                                             fillColor: colour, fillOpacity: 1, className: "plan-point" });
      var lines = [[(p.position ? p.route + "." + p.position + " " : "") + p.code + " " + p.name]];
      if (p.arrival) lines.push([p.arrival]);
      if (p.fill != null) lines.push([p.fill + "%"]);
      return marker.bindPopup(window.ReLoopText(lines));
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds().pad(0.05));
  el.dataset.features = String(geo.features.length);
})();
