/* Nearest outlets and kiosks around the resident's address, on the offline base map. */
(function () {
  "use strict";
  var el = document.getElementById("nearby-map");
  if (!el) return;
  var map = window.ReLoopBasemap(el);
  var list = document.getElementById("nearby-list");
  var url = new URL(el.dataset.outletsUrl, window.location.href);
  if (el.dataset.lon) {
    var home = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    L.circleMarker(home, { radius: 8, color: "#be185d", fillOpacity: 0.9 }).addTo(map);
    map.setView(home, 15);
    url.searchParams.set("lon", el.dataset.lon);
    url.searchParams.set("lat", el.dataset.lat);
  }
  fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6, color: "#15803d" }); },
      onEachFeature: function (f, marker) {
        var p = f.properties;
        marker.bindPopup(document.createTextNode(p.name + " · " + p.kind_label));
        var item = document.createElement("li");
        item.textContent = p.name + " · " + p.kind_label + (p.address ? " · " + p.address : "");
        list.appendChild(item);
      }
    }).addTo(map);
    if (!el.dataset.lon && data.features.length) map.fitBounds(layer.getBounds());
  });
})();
