/* Outlet registry map: clustered markers fed by the GeoJSON endpoint, filtered like the table. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) return;
  var map = window.ReLoopBasemap(el);
  var cluster = L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false });
  map.addLayer(cluster);
  var form = document.getElementById("filters");
  var pending = null;

  function markerClass(p) {
    if (p.status === "closed") return "closed";
    if (p.status === "planned") return "planned";
    return p.due ? "due" : "ok";
  }

  function popup(f) {
    var p = f.properties;
    var url = el.dataset.detailUrl.replace(/\/0$/, "/" + f.id);
    var fill = p.fill_pct == null ? "—" : p.fill_pct + "%" + (p.due ? " · " + el.dataset.labelDue : "");
    return window.ReLoopText([
      [{ text: p.code, href: url, strong: true }, " " + (p.name == null ? "" : p.name)],
      [el.dataset.labelFill + ": " + fill]
    ]);
  }

  function load() {
    var params = new URLSearchParams(new FormData(form));
    var b = map.getBounds().pad(0.3);
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(","));
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(el.dataset.outletsUrl + "?" + params.toString(), { credentials: "same-origin", signal: pending.signal })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        cluster.clearLayers();
        var markers = data.features.map(function (f) {
          var icon = L.divIcon({ className: "outlet-marker " + markerClass(f.properties), html: "<span></span>", iconSize: [14, 14] });
          return L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], { icon: icon, title: f.properties.code })
            .bindPopup(popup(f));
        });
        cluster.addLayers(markers);
        el.dataset.outletCount = String(data.features.length);
      })
      .catch(function (err) { if (err.name !== "AbortError") console.error(err); });
  }

  map.on("moveend", load);
  form.addEventListener("change", load);
  form.addEventListener("input", function (e) { if (e.target.type === "search") { clearTimeout(form._t); form._t = setTimeout(load, 300); } });
  map.on("contextmenu", function (e) {
    window.location = el.dataset.newUrl + "?lon=" + e.latlng.lng.toFixed(6) + "&lat=" + e.latlng.lat.toFixed(6);
  });
  load();
})();
