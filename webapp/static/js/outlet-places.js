/* Address search on the outlet form: type part of a street name (or two, for a crossing),
   pick a result, and longitude/latitude (WGS-84) and an empty address are filled in. */
(function () {
  "use strict";
  var input = document.getElementById("place");
  var list = document.getElementById("place-results");
  if (!input || !list) return;
  var lon = document.getElementById("lon"), lat = document.getElementById("lat");
  var datum = document.getElementById("datum"), address = document.getElementById("address");
  var timer = null, asked = 0;

  function clear() { while (list.firstChild) list.removeChild(list.firstChild); }

  function item(node) {
    var li = document.createElement("li");
    li.appendChild(node);
    list.appendChild(li);
  }

  function pick(place) {
    lon.value = place.lon.toFixed(6);
    lat.value = place.lat.toFixed(6);
    if (datum) datum.value = "wgs84"; // search results are map (WGS-84) points
    if (address && !address.value.trim()) address.value = place.address;
    input.value = place.label;
    clear();
    lon.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function show(results) {
    clear();
    if (!results.length) { item(document.createTextNode(list.dataset.empty)); return; }
    results.forEach(function (place) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "place-result";
      button.dataset.kind = place.kind;
      button.textContent = place.label + (place.district_name ? " · " + place.district_name : "");
      button.addEventListener("click", function () { pick(place); });
      item(button);
    });
  }

  function search() {
    var q = input.value.trim(), mine = ++asked;
    if (!q) { clear(); return; }
    fetch(input.dataset.searchUrl + "?q=" + encodeURIComponent(q),
          { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (mine === asked) show(data.results || []); });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault(); // Enter searches; it must not submit the half-filled form
    clearTimeout(timer);
    search();
  });
})();
