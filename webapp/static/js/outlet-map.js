/* The outlet page's small map: the shared base map with the outlet's pin. */
(function () {
  "use strict";
  var el = document.getElementById("outlet-map");
  if (!el) return;
  var lon = parseFloat(el.dataset.lon), lat = parseFloat(el.dataset.lat);
  if (!isFinite(lon) || !isFinite(lat)) return;
  var map = window.ReLoopBasemap(el);
  map.setView([lat, lon], 16);
  L.marker([lat, lon]).addTo(map).bindTooltip(window.ReLoopText([[el.dataset.name]]));
})();
