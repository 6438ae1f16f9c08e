/* The offline base map: vector tiles cut by the app from the bundled OSM extract, drawn by
   MapLibre GL inside Leaflet (street names in Chinese and English, district outlines), so
   every overlay stays a Leaflet layer. Where WebGL or the MapLibre files are missing (an old
   phone, offline before they were cached) the streets GeoJSON is drawn with Leaflet instead. */
(function () {
  "use strict";
  var SCRIPT = document.currentScript ? document.currentScript.src : "";
  var STATIC = SCRIPT.replace(/js\/basemap\.js(\?.*)?$/, "");
  var ML = STATIC + "vendor/maplibre-gl-5.24.0/", MLL = STATIC + "vendor/maplibre-gl-leaflet-0.1.4/";
  var loading = null;
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

  function script(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  /* MapLibre and its Leaflet binding, loaded once per page. The CSP build runs its worker
     from a file of this origin, so the policy needs no blob: worker. */
  function loadVector(el) {
    if (!loading) {
      // A page may serve the worker from elsewhere (the driver's, inside its service worker's scope).
      var worker = el.dataset.workerUrl || ML + "maplibre-gl-csp-worker.js";
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = ML + "maplibre-gl.css";
      document.head.appendChild(css);
      loading = script(ML + "maplibre-gl-csp.js").then(function () {
        window.maplibregl.setWorkerUrl(worker);
        return script(MLL + "leaflet-maplibre-gl.js");
      });
    }
    return loading;
  }

  function webgl() {
    try {
      var canvas = document.createElement("canvas");
      return !!(canvas.getContext("webgl2") || canvas.getContext("webgl"));
    } catch (e) {
      return false;
    }
  }

  function styleUrl(el) {
    if (el.dataset.styleUrl) return el.dataset.styleUrl;
    return new URL("../tiles/style.json", new URL(el.dataset.streetsUrl, window.location.href)).href;
  }

  function drawGeoJSON(map, el) {
    el.dataset.basemap = "geojson";
    fetch(el.dataset.streetsUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        L.geoJSON(data, { style: style, interactive: false, pane: "streets",
                          renderer: L.canvas({ padding: 0.5, pane: "streets" }) }).addTo(map);
        el.dataset.streetsLoaded = "1";
      });
  }

  function drawVector(map, el) {
    var layer = L.maplibreGL({ style: styleUrl(el), pane: "streets", interactive: false,
                               // Chinese labels come from the app's glyphs, not a system font.
                               localIdeographFontFamily: false });
    layer.addTo(map);
    var gl = layer.getMaplibreMap();
    el.reloopVector = gl;
    el.dataset.basemap = "vector";
    gl.once("idle", function () { el.dataset.streetsLoaded = "1"; });
    gl.on("error", function (e) { console.error("base map", e && e.error ? e.error.message : e); });
  }

  window.ReLoopBasemap = function (el) {
    // No tile layer sets a zoom range, and the cluster plugin needs one.
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5, minZoom: 11, maxZoom: 19 }).setView([22.535, 114.02], 13);
    map.attributionControl.setPrefix(false);
    // The base map arrives after the data layers; a low pane keeps it underneath.
    map.createPane("streets").style.zIndex = 250;
    map.attributionControl.addAttribution(el.dataset.attribution || "© OpenStreetMap contributors (ODbL)");
    el.reloopMap = map;
    if (!webgl()) {
      drawGeoJSON(map, el);
    } else {
      loadVector(el).then(function () { drawVector(map, el); }, function () { drawGeoJSON(map, el); });
    }
    return map;
  };
})();
