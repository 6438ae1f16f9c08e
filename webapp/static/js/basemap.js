/* The offline base map: the bundled OSM streets drawn as vectors (no tile server). */
(function () {
  "use strict";
  var WIDTH = { motorway: 3, trunk: 3, primary: 2.5, secondary: 2, tertiary: 1.5 };
  var COLOUR = { motorway: "#f59e0b", trunk: "#f59e0b", primary: "#fbbf24", secondary: "#fcd34d" };

  function style(feature) {
    var h = String(feature.properties.highway || "").replace("_link", "");
    return { color: COLOUR[h] || "#94a3b8", weight: WIDTH[h] || 1, opacity: 0.9 };
  }

  /* Popup and tooltip content built as DOM nodes, never as HTML: names, codes and ids
     come from users, partners and uploads, and Leaflet inserts a string as markup.
     ``lines`` is a list of lines; each line a list of parts: a string (text), or
     { text: ..., href: ..., strong: true }. */
  window.ReLoopText = function (lines) {
    var box = document.createElement("div");
    lines.forEach(function (parts, i) {
      if (i) box.appendChild(document.createElement("br"));
      [].concat(parts).forEach(function (part) {
        if (part == null) return;
        if (typeof part !== "object") { box.appendChild(document.createTextNode(String(part))); return; }
        var node = document.createTextNode(String(part.text == null ? "" : part.text));
        if (part.href) {
          var a = document.createElement("a");
          a.href = part.href;
          a.appendChild(node);
          node = a;
        }
        if (part.strong) {
          var b = document.createElement("strong");
          b.appendChild(node);
          node = b;
        }
        box.appendChild(node);
      });
    });
    return box;
  };

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
