/* The offline base map: the bundled OSM streets drawn as vectors (no tile server). */
(function () {
  "use strict";
  var WIDTH = { motorway: 3, trunk: 3, primary: 2.5, secondary: 2, tertiary: 1.5 };
  var COLOUR = { motorway: "#f59e0b", trunk: "#f59e0b", primary: "#fbbf24", secondary: "#fcd34d" };

  function style(feature) {
    var h = String(feature.properties.highway || "").replace("_link", "");
    return { color: COLOUR[h] || "#94a3b8", weight: WIDTH[h] || 1, opacity: 0.9 };
  }

  window.ReLoopBasemap = function (el) {
    // No tile layer sets a zoom range, and the cluster plugin needs one.
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5, minZoom: 11, maxZoom: 19 }).setView([22.535, 114.02], 13);
    map.attributionControl.setPrefix(false);
    // Streets arrive after the data layers; a low pane keeps them underneath.
    map.createPane("streets").style.zIndex = 250;
    map.attributionControl.addAttribution(el.dataset.attribution);
    fetch(el.dataset.streetsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        L.geoJSON(data, { style: style, interactive: false, pane: "streets",
                          renderer: L.canvas({ padding: 0.5, pane: "streets" }) }).addTo(map);
        el.dataset.streetsLoaded = "1";
      });
    return map;
  };
})();
