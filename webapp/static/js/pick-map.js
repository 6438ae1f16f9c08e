/* Location picker on the outlet form: click the map to fill longitude and latitude. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el) return;
  var lon = document.getElementById("lon"), lat = document.getElementById("lat");
  var map = window.ReLoopBasemap(el);
  var marker = null;

  function place(latlng, pan) {
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
    if (pan) map.setView(latlng, 16);
  }

  var x = parseFloat(lon.value), y = parseFloat(lat.value);
  if (isFinite(x) && isFinite(y)) place([y, x], true);
  map.on("click", function (e) {
    lon.value = e.latlng.lng.toFixed(6);
    lat.value = e.latlng.lat.toFixed(6);
    // A map click is a WGS-84 point: a datum chosen for pasted figures no longer applies.
    var datum = document.getElementById("datum");
    if (datum) datum.value = "wgs84";
    place(e.latlng, false);
  });
  // Fields filled by other means (the address search) move the pin too.
  lon.addEventListener("change", function () {
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isFinite(x) && isFinite(y)) place([y, x], true);
  });
})();
