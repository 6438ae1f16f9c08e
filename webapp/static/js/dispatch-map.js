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

  /* The live map: the progress partial (refreshed every 15 s) carries each stop's state and
     each truck's last known position; done stops turn green, skipped ones amber. */
  var STATE = { collected: "#15803d", skipped: "#b45309" };
  var trucks = L.layerGroup().addTo(map), truckMarkers = {};
  function live() {
    var block = document.querySelector(".live-map-data");
    if (!block) return;
    var data = JSON.parse(block.textContent);
    var byKey = {};
    data.stops.forEach(function (s) { byKey[s.route + "." + s.position] = s.status; });
    layer.eachLayer(function (m) {
      var p = m.feature && m.feature.properties;
      if (!p || m.feature.geometry.type !== "Point" || p.kind === "unload") return;
      var state = byKey[p.route + "." + p.position];
      m.setStyle({ fillColor: STATE[state] || p.colour || "#0072B2" });
      m.feature.properties.state = state || "pending";
    });
    /* Each truck keeps its marker between refreshes and moves: clearing and redrawing would
       leave the old permanent tooltip fading out beside the new one for a moment. */
    var seen = {};
    data.trucks.forEach(function (t) {
      seen[t.route] = true;
      var marker = truckMarkers[t.route];
      if (marker) {
        marker.setLatLng([t.lat, t.lon]).setStyle({ fillColor: t.colour });
        marker.setTooltipContent(window.ReLoopText([[t.label]]));
        return;
      }
      truckMarkers[t.route] = L.circleMarker([t.lat, t.lon], { radius: 11, color: "#111827", weight: 4,
                                                               fillColor: t.colour, fillOpacity: 1,
                                                               className: "truck-position" })
        .bindTooltip(window.ReLoopText([[t.label]]), { permanent: true, direction: "top", offset: [0, -10],
                                                      className: "truck-label" })
        .addTo(trucks);
    });
    Object.keys(truckMarkers).forEach(function (route) {
      if (seen[route]) return;
      trucks.removeLayer(truckMarkers[route]);
      delete truckMarkers[route];
    });
    el.dataset.trucks = String(data.trucks.length);
    el.dataset.truckPositions = JSON.stringify(data.trucks.map(function (t) {
      return { route: t.route, lon: t.lon, lat: t.lat, source: t.source };
    }));
    el.dataset.liveStops = JSON.stringify(byKey);
  }
  live();
  document.addEventListener("htmx:load", live);
})();
