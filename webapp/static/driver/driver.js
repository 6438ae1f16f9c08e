/* ReLoop driver phone: every record is queued on the phone (IndexedDB) under an id made
   here, then sent through the sync API with the phone's bearer token when there is
   signal: at once, when the signal returns, every 30 s, and at each page load (iOS has
   no background sync). The server stores each id once, so sending twice is harmless.
   Page data and words come from the JSON block #driver-data: no inline script. */
(function () {
  "use strict";
  var dataEl = document.getElementById("driver-data");
  if (!dataEl || !window.indexedDB) return;
  var D = JSON.parse(dataEl.textContent), T = D.i18n;
  var KG = /^\d{1,7}(?:[.,]\d)?$/;
  var syncing = false, lastFix = null;

  /* ---- IndexedDB, promise style ---- */
  var dbp = new Promise(function (resolve, reject) {
    var req = indexedDB.open("reloop-driver", 3);
    req.onupgradeneeded = function () {  // 1 had no "device", 2 no "positions" store: add what is missing
      var db = req.result, have = db.objectStoreNames;
      ["queue", "sent", "rejected", "device", "positions"].forEach(function (n) {
        if (!have.contains(n)) db.createObjectStore(n, { keyPath: "id" });
      });
      if (!have.contains("tokens")) db.createObjectStore("tokens", { keyPath: "user_id" });
    };
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
  function tx(store, mode, fn) {
    return dbp.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode), r = fn(t.objectStore(store));
        t.oncomplete = function () { resolve(r ? r.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function all(store) { return tx(store, "readonly", function (s) { return s.getAll(); }); }
  function get(store, key) { return tx(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value) { return tx(store, "readwrite", function (s) { return s.put(value); }); }
  function del(store, key) { return tx(store, "readwrite", function (s) { return s.delete(key); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function kg(g) { return (g / 1000).toFixed(1); }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* ---- the phone's token: asked for once with the session, then only the token is used ---- */
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  /* This phone's own id, made once and kept: asking for a token again from the same phone
     replaces its token on the server instead of listing one more device. */
  function deviceId() {
    return get("device", "this").then(function (row) {
      if (row) return row.device_id;
      var made = uuid();
      return put("device", { id: "this", device_id: made }).then(function () { return made; });
    });
  }
  function ensureToken() {
    return get("tokens", D.user_id).then(function (row) {
      if (row) document.documentElement.dataset.deviceToken = "1";
      if (row || !navigator.onLine) return row;
      return deviceId().then(function (id) {
        return fetch(D.token_url, { method: "POST", credentials: "same-origin",
                                    body: new URLSearchParams({ device_id: id }),
                                    headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } });
      })
        .then(function (r) { return r.status === 201 ? r.json() : null; })
        .then(function (j) { return j ? put("tokens", { user_id: j.user_id, token: j.token }) : null; })
        .then(function () { return get("tokens", D.user_id); })
        .then(function (saved) { if (saved) document.documentElement.dataset.deviceToken = "1"; return saved; })
        .catch(function () { return null; });
    });
  }

  /* ---- sending the queue ---- */
  function upload(item, kind, headers) {
    var blob = item[kind], key = kind + "_sha256";
    if (!blob || item.body[key]) return Promise.resolve();
    return fetch(D.evidence_api, { method: "POST", credentials: "omit", body: blob,
                                   headers: Object.assign({ "Content-Type": blob.type || "image/jpeg" }, headers) })
      .then(function (r) {
        if (r.ok) return r.json();
        if (r.status >= 500 || r.status === 401 || r.status === 429) throw new Error("later");
        return r.json().then(function (j) { throw { refused: j, status: r.status }; });
      })
      .then(function (j) { item.body[key] = j.sha256; return put("queue", item); });
  }
  function describe(j) {
    var parts = [j.error || ""];
    (j.errors || []).forEach(function (p) { parts.push((p.field ? p.field + ": " : "") + p.message); });
    return parts.join(" · ");
  }
  function refuse(item, status, j) {
    item.status = status; item.error = describe(j || {}); item.photo = null; item.signature = null;
    item.fields = (j && j.errors) || [];
    return put("rejected", item).then(function () { return del("queue", item.id); }).then(function () { return true; });
  }
  function send(item) {  // resolves true to go on with the next item, false to stop for now
    return get("tokens", item.user_id).then(function (row) {
      if (!row) return true;  // another driver's record on a shared phone: kept until they are back
      var auth = { Authorization: "Bearer " + row.token };
      return upload(item, "photo", auth).then(function () { return upload(item, "signature", auth); })
        .then(function () {
          return fetch(item.api || D.api, { method: "POST", credentials: "omit", body: JSON.stringify(item.body),
                                headers: Object.assign({ "Content-Type": "application/json" }, auth) });
        })
        .then(function (r) {
          if (r.status === 200 || r.status === 201) {
            return r.json().then(function (j) {
              return put("sent", { id: item.id, stop_id: item.stop_id, outcome: j.outcome, total_g: j.total_g,
                                   sent_at: Date.now() });
            }).then(function () { return del("queue", item.id); }).then(function () { return true; });
          }
          if (r.status === 401) return del("tokens", item.user_id).then(function () { return false; });
          if (r.status >= 500 || r.status === 408 || r.status === 429) return false;
          return r.json().catch(function () { return { error: r.statusText }; })
            .then(function (j) { return refuse(item, r.status, j); });
        })
        .catch(function (e) { return e && e.refused ? refuse(item, e.status, e.refused) : false; });
    });
  }
  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    return refresh().then(ensureToken).then(function () { return all("queue"); }).then(function (items) {
      items.sort(function (a, b) { return a.seq - b.seq; });
      return items.reduce(function (chain, item) {
        return chain.then(function (go) { return go ? send(item) : false; });
      }, Promise.resolve(true));
    }).catch(function () {}).then(function () { syncing = false; return refresh(); });
  }

  /* ---- what the page shows: banner, statuses on a page kept from before, progress ---- */
  function refresh() {
    return Promise.all([all("queue"), all("sent"), all("rejected")]).then(function (r) {
      var mine = r[0].filter(function (q) { return q.user_id === D.user_id; });
      banner(mine.length, r[2].filter(function (q) { return q.user_id === D.user_id; }));
      var latest = latestByStop(mine, r[1]);
      overlayRoute(latest);
      if (D.stop) overlayStop(latest);
    });
  }
  function latestByStop(queue, sent) {
    var by = {};
    sent.forEach(function (s) {
      // Only what the page cannot know yet: sent after the page was made.
      if (s.sent_at > D.rendered_at) by[s.stop_id] = { id: s.id, state: s.outcome, total_g: s.total_g };
    });
    queue.sort(function (a, b) { return a.seq - b.seq; }).forEach(function (q) {
      by[q.stop_id] = { id: q.id, state: "queued", total_g: q.total_g };
    });
    return by;
  }
  function banner(pending, rejected) {
    var el = document.getElementById("sync-banner");
    var text = pending ? T.pending.replace("{n}", pending) : navigator.onLine ? T.synced : T.offline;
    if (pending && syncing && navigator.onLine) text = T.syncing + " " + text;
    if (pending && !navigator.onLine) text += " · " + T.offline;
    el.textContent = text;
    el.className = "sync-banner " + (pending ? "pending" : navigator.onLine ? "ok" : "offline");
    el.dataset.pending = String(pending);
    el.hidden = false;
    var box = document.getElementById("rejected"), list = document.getElementById("rejected-list");
    box.hidden = !rejected.length;
    list.textContent = "";
    rejected.forEach(function (q) {
      var li = document.createElement("li");
      li.textContent = q.body.stop_id + " · " + q.body.outcome + " · " + q.status + " · " + q.error;
      list.appendChild(li);
    });
  }
  function overlayRoute(latest) {
    document.querySelectorAll(".route-block").forEach(function (block) {
      var done = 0, grams = 0, next = null;
      block.querySelectorAll("li.stop[data-stop-id]").forEach(function (li) {
        var o = latest[li.dataset.stopId], state = li.dataset.status, g = Number(li.dataset.g);
        if (o) {
          state = o.state;
          g = o.state === "skipped" ? 0 : o.total_g;
          li.className = "stop " + state;
          var pin = block.querySelector(".stop-pin-" + li.dataset.stopId);
          if (pin) { pin.classList.remove("pending", "collected", "skipped", "queued"); pin.classList.add(state); }
          li.querySelector(".state").textContent = state === "queued" ? T.queued :
            state === "collected" ? T.collected.replace("{kg}", kg(o.total_g)) : T.skipped;
        }
        li.classList.remove("next");
        if (state !== "pending") done += 1; else if (!next) next = li;
        grams += g;
      });
      if (next) next.classList.add("next");
      var count = block.querySelector(".done-count");
      if (count) {
        count.textContent = String(done);
        block.querySelector(".kg-count").textContent = kg(grams);
        block.querySelector(".route-progress").value = done;
      }
    });
  }
  function overlayStop(latest) {
    var mine = latest[D.stop.id], previous = mine ? mine.id : D.stop.record;
    document.querySelectorAll(".stop-form, .booking-form").forEach(function (form) {
      form.elements.supersedes.value = previous || "";
      var code = form.querySelector(".confirmation");  // a correction needs no code: the first record used it
      if (code) code.hidden = !!previous;
      var box = form.querySelector(".correction-field");
      box.hidden = !previous;
      box.querySelector("input").required = !!previous;
    });
    var note = document.getElementById("correcting");
    if (mine && !note) {
      note = document.createElement("p");
      note.id = "correcting"; note.className = "warning info"; note.textContent = T.correcting;
      document.getElementById("record-form").before(note);
    }
    var late = D.stop.earlier.filter(function (s) {
      var o = latest[s.id];
      return o ? false : s.status === "pending";
    }).map(function (s) { return s.position; });
    var warning = document.getElementById("order-warning");
    warning.hidden = !late.length;
    if (late.length) warning.textContent = T.order.replace("{list}", late.join("、"));
  }

  /* ---- the stop page: arrive, GPS, photo, signature, checks, queue ---- */
  function locate(timeoutMs) {
    if (!navigator.geolocation) return Promise.resolve(lastFix);
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (p) {
        lastFix = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy };
        resolve(lastFix);
      }, function () { resolve(lastFix); }, { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60000 });
    });
  }
  function arrivedKey() { return "reloop.arrived." + D.stop.id; }
  function showArrived(iso) {
    var el = document.getElementById("arrived-at"), t = new Date(iso);
    el.textContent = T.arrived.replace("{time}", t.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
    el.hidden = false;
    document.getElementById("arrive-button").classList.add("done");
  }
  function shrink(file) {
    if (!file) return Promise.resolve(null);
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height)), c = document.createElement("canvas");
      c.width = Math.round(bmp.width * scale); c.height = Math.round(bmp.height * scale);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (res) { c.toBlob(function (b) { res(b || file); }, "image/jpeg", 0.75); });
    }).catch(function () { return file; });
  }
  function signaturePad(form) {
    var box = form.querySelector(".signature-in");
    if (!box) return null;
    var canvas = box.querySelector("canvas"), ctx = canvas.getContext("2d"), drawing = false, pad = { signed: false };
    box.hidden = false;
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.strokeStyle = "#111827";
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId); var p = at(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return; var p = at(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); pad.signed = true;
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
    box.querySelector(".signature-clear").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); pad.signed = false;
    });
    pad.blob = function () {
      return pad.signed ? new Promise(function (res) { canvas.toBlob(res, "image/png"); }) : Promise.resolve(null);
    };
    return pad;
  }
  function showErrors(form, errors) {
    form.querySelectorAll(".js-error").forEach(function (e) { e.remove(); });
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var anchor = form.querySelector("[name='" + name + "']") || form.querySelector("fieldset");
      var p = document.createElement("p");
      p.className = "error js-error"; p.dataset.field = name; p.textContent = errors[name];
      (anchor.closest("label") || anchor).after(p);
      first = first || anchor;
    });
    if (first) { first.scrollIntoView({ block: "center" }); if (first.focus) first.focus(); }
    return !first;
  }
  function check(form) {
    var fd = new FormData(form), errors = {}, weights = {}, total = 0, outcome = fd.get("outcome");
    var body = { id: uuid(), stop_id: D.stop.id, outcome: outcome, recorded_at: new Date().toISOString(),
                 note: String(fd.get("note") || "").trim() };
    if (outcome === "collected") {
      form.querySelectorAll("input[data-material]").forEach(function (input) {
        var v = input.value.trim();
        if (!v) return;
        if (!KG.test(v)) { errors[input.name] = T.kg_format; return; }
        var n = parseFloat(v.replace(",", "."));
        if (Math.round(n * 1000) > D.stop.limit_g) { errors[input.name] = T.kg_max.replace("{max}", D.stop.limit_g / 1000); return; }
        if (n > 0) { weights[input.dataset.material] = n; total += Math.round(n * 1000); }
      });
      if (!Object.keys(errors).length && !total) errors[form.querySelector("input[data-material]").name] = T.need_weight;
      body.weights_kg = weights;
    } else {
      var reason = form.querySelector("input[name=skip_reason]:checked");
      var photo = form.querySelector(".photo-input").files.length > 0;
      if (!reason) errors.skip_reason = T.need_reason;
      else {
        body.skip_reason = reason.value;
        if (reason.dataset.photo === "1" && !photo) errors.photo = T.need_photo;
        if (reason.dataset.note === "1" && !body.note) errors.note = T.need_note;
      }
    }
    /* A resident's booking: the code the resident shows proves the visit. It is checked by
       the server when the record arrives (a wrong one lands in the refused list), so
       here only that one was typed; a correction needs none. */
    var code = form.elements.namedItem("confirmation_code");
    if (code && outcome === "collected" && !fd.get("supersedes")) {
      body.confirmation_code = String(code.value || "").trim();
      if (!body.confirmation_code) errors.confirmation_code = T.need_code;
    }
    if (fd.get("supersedes")) {
      body.supersedes = fd.get("supersedes");
      body.correction_reason = String(fd.get("correction_reason") || "").trim();
      if (!body.correction_reason) errors.correction_reason = T.need_correction;
    }
    var arrived = localStorage.getItem(arrivedKey());
    if (arrived) body.arrived_at = arrived;
    return { ok: showErrors(form, errors), body: body, total: total };
  }
  function setupStop() {
    var arrived = localStorage.getItem(arrivedKey());
    if (arrived) showArrived(arrived);
    var arrive = document.getElementById("arrive-button");
    arrive.disabled = false;  // the page renders it disabled until this handler is on it
    arrive.addEventListener("click", function () {
      var now = new Date().toISOString();
      localStorage.setItem(arrivedKey(), now);
      showArrived(now);
      locate(10000);
      // Next thing to do is weigh: bring the first weight box up, keyboard ready.
      var first = document.querySelector("#record-form input[data-material]");
      document.getElementById("record-form").scrollIntoView({ behavior: "smooth", block: "start" });
      if (first) first.focus({ preventScroll: true });
    });
    document.querySelectorAll(".photo-input").forEach(function (input) {
      input.addEventListener("change", function () {
        var img = input.closest("form").querySelector(".photo-preview");
        if (input.files[0]) { img.src = URL.createObjectURL(input.files[0]); img.hidden = false; }
        input.closest("form").querySelectorAll(".js-error[data-field=photo]").forEach(function (e) { e.remove(); });
      });
    });
    document.querySelectorAll(".stop-form, .booking-form").forEach(function (form) {
      var pad = signaturePad(form);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var checked = check(form);
        if (!checked.ok) return;
        var button = form.querySelector("button[type=submit]");
        button.disabled = true;
        var item = { id: checked.body.id, seq: Date.now(), user_id: D.user_id, stop_id: D.stop.id,
                     total_g: checked.total, body: checked.body };
        Promise.all([locate(3000), shrink(form.querySelector(".photo-input").files[0]),
                     pad ? pad.blob() : null])
          .then(function (r) {
            if (r[0]) item.body.position = r[0];
            item.photo = r[1]; item.signature = r[2];
            return put("queue", item);
          })
          .then(function () {
            localStorage.removeItem(arrivedKey());
            return navigator.onLine ? Promise.race([sync(), wait(5000)]) : null;
          })
          .then(function () { return get("rejected", item.id); })
          .then(function (refused) {
            /* A wrong confirmation code, refused while the driver is still at the door: say
               so on the form, so the resident can show the code again; other refusals wait
               in the list on the route page. */
            var wrong = refused && (refused.fields || []).filter(function (f) { return f.field === "confirmation_code"; });
            if (!wrong || !wrong.length) { window.location.href = D.route_url; return; }
            return del("rejected", item.id).then(refresh).then(function () {
              button.disabled = false;
              showErrors(form, { confirmation_code: wrong[0].message });
            });
          })
          .catch(function (err) { button.disabled = false; showErrors(form, { "": String(err) }); });
      });
    });
  }

  /* ---- offline shell: service worker, and today's pages kept while there is signal ---- */
  function keepPages() {
    if (!("caches" in window) || !navigator.onLine || !document.querySelector(".stop-list")) return;
    caches.open("reloop-pages").then(function (cache) {
      return Promise.all(D.warm.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (r) {
          if (r.ok && !r.redirected) return cache.put(url, r);
        }).catch(function () {});
      }));
    }).then(function () { document.documentElement.dataset.offlineReady = "1"; });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(D.sw_url, { scope: D.route_url }).catch(function () {});
  }
  /* The unload stop (weighbridge): arrival and ticket number go through the same queue,
     to their own API (D.unload_api); the plain form still works without this script. */
  function setupUnload(form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      // The field shows Shenzhen time whatever the phone's zone; the server reads it so.
      var body = { id: form.elements.namedItem("id").value, stop_id: D.unload_stop_id,
                   arrived_at: form.elements.arrived_at.value,
                   ticket_number: form.elements.ticket_number.value.trim() };
      form.querySelector("button[type=submit]").disabled = true;
      put("queue", { id: body.id, seq: Date.now(), user_id: D.user_id, stop_id: body.stop_id, total_g: 0,
                     api: D.unload_api, body: body })
        .then(function () { return navigator.onLine ? Promise.race([sync(), wait(5000)]) : null; })
        .then(function () { window.location.href = D.route_url; });
    });
  }
  /* ---- the truck's track while a route runs (D.track): positions from the phone's GPS are
     kept in IndexedDB like records and sent in batches (at once for the first, then every
     30 s or 20 points, and whenever the signal returns). Each carries an id made here, so
     a batch sent twice is stored once. ---- */
  var TRACK_EVERY_MS = 30000, TRACK_BATCH = 20, TRACK_SEND_MAX = 200;
  var MIN_GAP_MS = 5000, MIN_MOVE_M = 10, STILL_MS = 60000;  // a parked truck: one point a minute
  var lastPoint = null, lastSentAt = 0, sendingPoints = false;
  function metres(a, b) {
    var r = Math.PI / 180, dLat = (b.lat - a.lat) * r, dLon = (b.lon - a.lon) * r;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function finite(x) { return typeof x === "number" && isFinite(x) ? x : null; }
  var pendingFix = null, pendingTimer = null;
  function keepPoint(p) {
    var c = p.coords, at = p.timestamp || Date.now();
    lastFix = { lon: c.longitude, lat: c.latitude, accuracy_m: c.accuracy };
    if (lastPoint) {
      var gap = at - lastPoint.at, moved = metres(lastPoint, { lon: c.longitude, lat: c.latitude });
      if (moved < MIN_MOVE_M && gap < STILL_MS) return;
      if (gap < MIN_GAP_MS) {  // too soon: hold the newest fix and take it when the gap is over
        pendingFix = p;
        if (!pendingTimer) {
          pendingTimer = setTimeout(function () {
            var held = pendingFix;
            pendingTimer = null; pendingFix = null;
            if (held) takePoint(held);
          }, MIN_GAP_MS - gap);
        }
        return;
      }
    }
    takePoint(p);
  }
  function takePoint(p) {
    var c = p.coords, at = p.timestamp || Date.now();
    lastPoint = { at: at, lon: c.longitude, lat: c.latitude };
    var id = uuid(), speed = finite(c.speed), heading = finite(c.heading);
    var body = { id: id, route_id: D.track.route_id, recorded_at: new Date(at).toISOString(),
                 lon: c.longitude, lat: c.latitude, accuracy_m: finite(c.accuracy) };
    if (speed !== null && speed >= 0) body.speed_mps = speed;
    if (heading !== null && heading >= 0 && heading <= 360) body.heading_deg = heading;
    put("positions", { id: id, seq: at, user_id: D.user_id, body: body }).then(function () { return flushPoints(false); });
  }
  function markTrack(queued) {
    document.documentElement.dataset.trackQueued = String(queued);
  }
  function flushPoints(force) {
    if (sendingPoints || !D.positions_api) return Promise.resolve();
    sendingPoints = true;
    var more = false;
    return all("positions").then(function (items) {
      var mine = items.filter(function (q) { return q.user_id === D.user_id; });
      markTrack(mine.length);
      if (!mine.length || !navigator.onLine) return;
      if (!force && mine.length < TRACK_BATCH && Date.now() - lastSentAt < TRACK_EVERY_MS) return;
      mine.sort(function (a, b) { return a.seq - b.seq; });
      var batch = mine.slice(0, TRACK_SEND_MAX);
      return get("tokens", D.user_id).then(function (row) {
        if (!row) return;
        return fetch(D.positions_api, { method: "POST", credentials: "omit",
                                        body: JSON.stringify({ points: batch.map(function (b) { return b.body; }) }),
                                        headers: { "Content-Type": "application/json", Authorization: "Bearer " + row.token } })
          .then(function (r) {
            r.text().catch(function () {});  // read the answer through, so the request is over
            if (r.status === 401) return del("tokens", D.user_id);
            // 422: nothing in the batch can be stored (its problems are named); resending cannot help.
            if (r.status !== 200 && r.status !== 201 && r.status !== 422) return;
            lastSentAt = Date.now();
            more = mine.length > batch.length;
            return tx("positions", "readwrite", function (s) { batch.forEach(function (b) { s.delete(b.id); }); })
              .then(function () {
                var html = document.documentElement.dataset;
                html.trackSent = String(Number(html.trackSent || 0) + batch.length);
                markTrack(mine.length - batch.length);
              });
          });
      });
    }).catch(function () {}).then(function () {
      sendingPoints = false;
      if (more) return flushPoints(true);
    });
  }
  function startTracking() {
    if (!D.track || !navigator.geolocation) return;
    var options = { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 };
    navigator.geolocation.watchPosition(keepPoint, function () {}, options);
    // Some phones pause the watch while the screen is on another app's page: ask now and then too.
    setInterval(function () {
      navigator.geolocation.getCurrentPosition(keepPoint, function () {}, options);
      flushPoints(false);
    }, 15000);
    document.documentElement.dataset.tracking = String(D.track.route_id);
  }

  /* The resident's number is never on the phone: the call link asks the server for it (and
     the server logs the access). Without signal say so instead of showing the offline page. */
  document.querySelectorAll("a.call-resident").forEach(function (a) {
    a.addEventListener("click", function (e) {
      if (navigator.onLine) return;
      e.preventDefault();
      var note = document.getElementById("call-offline") || document.createElement("p");
      note.id = "call-offline"; note.className = "warning"; note.textContent = T.call_offline;
      a.closest("p").after(note);
    });
  });

  if (D.stop) setupStop();
  if (D.unload_api && document.getElementById("unload-form")) setupUnload(document.getElementById("unload-form"));
  // The page's forms now go through the queue; before this, a submit is the plain form post.
  document.documentElement.dataset.formsReady = "1";
  startTracking();
  window.addEventListener("online", function () { sync(); flushPoints(true); });
  window.addEventListener("offline", refresh);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sync(); });
  setInterval(function () { if (navigator.onLine) sync(); }, 30000);
  sync().then(keepPages).then(function () { return flushPoints(true); });
})();
