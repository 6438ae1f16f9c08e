/* Siting result: existing outlets, added sites with their walking radius, uncovered clusters. */
(function () {
  "use strict";
  var el = document.getElementById("map"), data = document.getElementById("map-data");
  if (!el || !data) return;
  var map = window.ReLoopBasemap(el);
  var geo = JSON.parse(data.textContent);
  var colour = { existing: "#15803d", added: "#7c3aed", uncovered: "#dc2626", served: "#a78bfa" };
  var layer = L.geoJSON(geo, {
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      if (p.role === "served") return L.circleMarker(latlng, { radius: 2, stroke: false, fillColor: colour.served, fillOpacity: 0.8, interactive: false });
      var size = p.role === "uncovered" ? Math.min(14, 5 + Math.sqrt(p.households) / 8) : (p.role === "added" ? 7 : 4);
      return L.circleMarker(latlng, { radius: size, color: "#fff", weight: 1.5, fillColor: colour[p.role], fillOpacity: 1,
                                      className: "siting-" + p.role })
        .bindPopup(window.ReLoopText([[String(p.code || p.households + " households")]]));
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds().pad(0.05));
  el.dataset.features = String(geo.features.length);
})();
