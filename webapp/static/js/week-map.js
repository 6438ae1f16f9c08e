/* The week map: each day's routes and visited outlets in the day's colour; a popup gives
   the day, the outlet, the arrival and the predicted fill with its band. Data comes from
   a JSON script block so no inline script is needed. */
(function () {
  "use strict";
  var el = document.getElementById("map"), data = document.getElementById("map-data");
  if (!el || !data) return;
  var map = window.ReLoopBasemap(el);
  var geo = JSON.parse(data.textContent);
  var perDay = {};
  var layer = L.geoJSON(geo, {
    style: function (f) {
      return { color: f.properties.colour, weight: 3, opacity: 0.6 };
    },
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      perDay[p.day] = (perDay[p.day] || 0) + 1;
      var marker = L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: p.colour,
                                             fillOpacity: 1, className: "week-point" });
      var lines = [[p.day_label], [p.code + " " + p.name], [p.arrival]];
      if (p.fill != null) lines.push([Math.round(p.fill) + "% (" + Math.round(p.low) + "–" + Math.round(p.high) + "%)"]);
      return marker.bindPopup(window.ReLoopText(lines));
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds().pad(0.05));
  el.dataset.features = String(geo.features.length);
  el.dataset.outletsPerDay = JSON.stringify(perDay);
})();
