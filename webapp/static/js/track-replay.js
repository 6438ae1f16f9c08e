/* Planned vs driven: the planned route dashed, the driven track solid, and a truck marker
   that a slider (or the play button) moves along the track in time order. Data comes from
   the JSON block #replay-data; flagged points (outside China, too fast) are not drawn. */
(function () {
  "use strict";
  var el = document.getElementById("replay-map"), block = document.getElementById("replay-data");
  if (!el || !block) return;
  var data = JSON.parse(block.textContent), map = window.ReLoopBasemap(el);
  var points = data.points.filter(function (p) { return !p.flag; });
  var bounds = L.latLngBounds([]);
  if (data.planned.length) {
    var planned = L.polyline(data.planned.map(function (c) { return [c[1], c[0]]; }),
                             { color: data.colour || "#0072B2", weight: 4, opacity: 0.6, dashArray: "8 8" }).addTo(map);
    bounds.extend(planned.getBounds());
  }
  data.stops.forEach(function (s) {
    L.circleMarker([s.lat, s.lon], { radius: 6, color: "#fff", weight: 2, fillOpacity: 1,
                                     fillColor: s.status === "collected" ? "#15803d" : s.status === "skipped" ? "#b45309" : "#64748b" })
      .bindTooltip(window.ReLoopText([[String(s.n)]])).addTo(map);
    bounds.extend([s.lat, s.lon]);
  });
  var driven = L.polyline([], { color: "#111827", weight: 4, className: "driven-track" }).addTo(map);
  var truck = null;
  var slider = document.getElementById("replay-slider"), out = document.getElementById("replay-time");
  var play = document.getElementById("replay-play"), timer = null;
  slider.max = String(Math.max(points.length - 1, 0));
  function show(i) {
    if (!points.length) return;
    var upto = points.slice(0, i + 1).map(function (p) { return [p.lat, p.lon]; });
    driven.setLatLngs(upto);
    var here = upto[upto.length - 1];
    if (!truck) truck = L.circleMarker(here, { radius: 10, color: "#111827", weight: 4, fillColor: "#facc15",
                                               fillOpacity: 1, className: "replay-truck" }).addTo(map);
    truck.setLatLng(here);
    out.textContent = points[i].t;
    el.dataset.shown = String(i + 1);
    el.dataset.truck = here[0].toFixed(6) + "," + here[1].toFixed(6);
  }
  points.forEach(function (p) { bounds.extend([p.lat, p.lon]); });
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.05));
  slider.value = slider.max;
  show(points.length - 1);
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  play.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; return; }
    var i = Number(slider.value) >= points.length - 1 ? 0 : Number(slider.value);
    timer = setInterval(function () {
      slider.value = String(i); show(i); i += 1;
      if (i >= points.length) { clearInterval(timer); timer = null; }
    }, 250);
  });
  el.dataset.points = String(points.length);
})();
