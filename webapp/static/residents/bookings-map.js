/* The day's doorstep bookings on the dispatcher's map, coloured by status. */
(function () {
  "use strict";
  var el = document.getElementById("bookings-map");
  if (!el) return;
  var map = window.ReLoopBasemap(el);
  fetch(el.dataset.bookingsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: f.properties.colour, fillOpacity: 0.8 });
      },
      onEachFeature: function (f, marker) {
        var p = f.properties;
        marker.bindPopup(document.createTextNode("#" + p.id + " " + p.window + " · " + p.status_label + " · " + p.phone));
      }
    }).addTo(map);
    if (data.features.length) map.fitBounds(layer.getBounds(), { maxZoom: 15 });
  });
})();
