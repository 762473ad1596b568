/* The inside check (form next to the map) and the place search. Needs geoservice.js (window.GS).
   Data text is only ever set with textContent. */
(function () {
  "use strict";

  var el = GS.el, formatDate = GS.formatDate, lastDay = GS.lastDay;

  /* A number as people type it: "13,7713" (decimal comma), "13.7713", spaces ignored. */
  function parseNumber(text) {
    var t = String(text == null ? "" : text).replace(/[\s\u2009\u00a0]/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") < 0 && t.split(",").length === 2) { t = t.replace(",", "."); }
    if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) { return NaN; }
    return parseFloat(t);
  }

  function fieldError(form, name, message) {
    var input = form.elements[name];
    if (!input) { return; }
    var id = form.id + "-" + name + "-error";
    var p = document.getElementById(id);
    if (!message) {
      input.removeAttribute("aria-invalid");
      if (p) { p.textContent = ""; p.hidden = true; }
      return;
    }
    if (!p) {
      p = el("p", "field-error");
      p.id = id;
      input.parentNode.appendChild(p);
    }
    p.hidden = false;
    p.textContent = message;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
  }

  /* Inside check (home map, fact sheet): a map click or a search hit fills the form, /inside answers
     over all areas and versions; errors appear next to their field in the page's language. */
  function checkPoint(lon, lat, formId) {
    var form = document.getElementById(formId);
    if (!form) { return; }
    form.elements.lon.value = lon.toFixed(6);
    form.elements.lat.value = lat.toFixed(6);
    runCheck(form);
  }

  function runCheck(form) {
    var out = document.getElementById(form.dataset.result);
    var S = JSON.parse(form.dataset.strings);
    var lon = parseNumber(form.elements.lon.value), lat = parseNumber(form.elements.lat.value);
    var day = form.elements.datetime.value;
    var bad = false;
    fieldError(form, "lon", isFinite(lon) && Math.abs(lon) <= 180 ? null : S.bad_lon);
    fieldError(form, "lat", isFinite(lat) && Math.abs(lat) <= 90 ? null : S.bad_lat);
    fieldError(form, "datetime", day ? null : S.bad_date);
    if (!(isFinite(lon) && Math.abs(lon) <= 180 && isFinite(lat) && Math.abs(lat) <= 90) || !day) { bad = true; }
    if (bad) { out.textContent = ""; return; }
    var entry = GS.entries.length ? GS.entries[GS.entries.length - 1] : null;
    if (entry && entry.checkMarker) { entry.checkMarker(lon, lat); }
    var url = form.dataset.inside + "?f=json&lon=" + encodeURIComponent(lon) + "&lat=" +
      encodeURIComponent(lat) + "&datetime=" + encodeURIComponent(day) +
      (form.dataset.area ? "&area=" + encodeURIComponent(form.dataset.area) : "") +
      "&lang=" + encodeURIComponent(document.documentElement.lang);
    out.textContent = S.checking;
    fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body && body.description ? body.description : String(r.status)); }
        return body;
      });
    }).then(function (body) {
      out.textContent = "";
      body.text.forEach(function (sentence, i) {
        el("p", i === 0 ? (body.inside ? "gs-inside" : "gs-outside") : "gs-span", sentence, out);
      });
      var ul = el("ul", "gs-answers", null, out);
      body.answers.forEach(function (a) {
        var li = el("li", null, null, ul);
        var link = el("a", null, S.version.replace("{id}", a.version_id), li);
        link.href = a.links[0].href;
        el("span", null, " (" + formatDate(a.valid_from) + " – " + (a.valid_to ? formatDate(lastDay(a.valid_to)) : "…") +
           "): " + a.text + " ", li);
        el("small", null, S.decision.replace("{decision}", a.decision), li);
      });
      out.dataset.inside = String(body.inside);
    }).catch(function (err) {
      out.textContent = S.failed.replace("{reason}", err.message);
    });
  }

  function initCheckForm(formId) {
    var form = document.getElementById(formId);
    if (!form) { return; }
    form.addEventListener("submit", function (e) { e.preventDefault(); runCheck(form); });
  }

  /* ------------------------------------------------------------------ place search */

  var highlight = null;

  function showHit(entry, hit, S, formId, keepView) {
    var map = entry.map;
    /* restoring a shared link (keepView): draw the hit, leave the shared view as it is */
    function move(fn) { if (!keepView) { fn(); } }
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    var b = hit.bbox;
    var note = "";
    if (hit.kind === "street" && hit.geometry) {
      highlight = L.featureGroup([
        L.geoJSON(hit.geometry, {interactive: false, style: {color: "#1a1a1a", weight: 10, opacity: 0.55}}),
        L.geoJSON(hit.geometry, {interactive: false, style: {color: "#ffd600", weight: 6, opacity: 1}})
      ]).addTo(map);
      move(function () { map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {maxZoom: 17, padding: [30, 30]}); });
    } else if (hit.kind === "street") {
      highlight = L.rectangle([[b[1] - 0.0004, b[0] - 0.0006], [b[3] + 0.0004, b[2] + 0.0006]],
        {interactive: false, color: "#1a1a1a", weight: 3, dashArray: "6 4", fillColor: "#ffd600",
         fillOpacity: 0.25}).addTo(map);
      move(function () { map.fitBounds(highlight.getBounds(), {maxZoom: 17, padding: [30, 30]}); });
      note = S.no_line;
    } else if (hit.kind === "project" && entry.projects && entry.projects.markers[hit.id.replace(/^project:/, "")]) {
      entry.projects.show(hit.id.replace(/^project:/, ""), keepView);
    } else {
      highlight = L.circleMarker([hit.point[1], hit.point[0]], {radius: 10, color: "#1a1a1a", weight: 3,
        fillColor: "#ffd600", fillOpacity: 1}).bindTooltip(hit.name, {permanent: true, direction: "top",
        offset: [0, -10], className: "gs-hit-label"}).addTo(map);
      move(function () { map.setView([hit.point[1], hit.point[0]], Math.max(map.getZoom(), 17)); });
    }
    if (highlight) { highlight.gsHit = hit; }
    /* the answer at the map: inside or outside today, projects nearby (answer.js) */
    if (entry.answer) {
      if (hit.point) { entry.answer.ask(hit.point[0], hit.point[1], hit.name); } else { entry.answer.clear(); }
    }
    var form = formId && document.getElementById(formId);
    if (form) {
      if (hit.point) {
        form.elements.lon.value = hit.point[0].toFixed(6);
        form.elements.lat.value = hit.point[1].toFixed(6);
        runCheck(form);
      } else {
        var out = document.getElementById(form.dataset.result);
        out.textContent = "";
        el("p", null, S.street_hint, out);
      }
    }
    return note;
  }

  function placeSearch(rootId, formId) {
    var root = document.getElementById(rootId);
    var entry = GS.main;
    if (!root || !entry) { return null; }
    var S = JSON.parse(root.dataset.strings);
    var input = root.querySelector("input[type=search]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector(".gs-search-status");
    var results = [], active = -1, timer = null, controller = null, lastQuery = null, answered = null;
    if (root.dataset.inside && GS.answerBadge && !entry.answer) { GS.answerBadge(entry, S, root.dataset.inside); }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, j) {
        li.setAttribute("aria-selected", String(j === i));
      });
      if (i >= 0) { input.setAttribute("aria-activedescendant", list.children[i].id); }
    }
    function render() {
      list.textContent = "";
      results.forEach(function (hit, i) {
        var li = el("li", "gs-search-hit", null, list);
        li.id = rootId + "-hit-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        el("span", "gs-hit-kind gs-kind-" + hit.kind, S.kinds[hit.kind] || hit.kind, li);
        el("span", "gs-hit-name", hit.name, li);
        if (hit.note) { el("small", "gs-hit-note", hit.note, li); }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
      });
      list.hidden = !results.length;
      list.setAttribute("data-query", lastQuery || "");  /* which query the list answers */
      input.setAttribute("aria-expanded", String(results.length > 0));
      status.textContent = results.length ? S.results.replace("{n}", results.length) : S.no_results;
      if (!results.length) { forget(); }
    }
    /* a search without hits: what the last pick showed is no answer to it any more */
    function forget() {
      if (highlight) { entry.map.removeLayer(highlight); highlight = null; }
      if (entry.answer) { entry.answer.clear(); }
      GS.state.set({hit: null, q: null});
    }
    function pick(i, keepView) {
      var hit = results[i];
      if (!hit) { return; }
      close();
      input.value = hit.name;
      var note = showHit(entry, hit, S, formId, keepView);
      status.textContent = "";
      el("span", null, S.shown.replace("{name}", hit.name).replace("{kind}", S.kinds[hit.kind] || hit.kind), status);
      if (note) { el("span", null, " " + note, status); }
      var src = el("small", "gs-hit-source", " " + S.source + ": " + (hit.licence || hit.source), status);
      src.title = hit.source;
      GS.state.set({hit: hit.id, q: hit.name});
    }
    function query(q, then) {
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      lastQuery = q;
      fetch(root.dataset.search + "?q=" + encodeURIComponent(q) + "&limit=8",
            {headers: {"Accept": "application/json"}, signal: controller ? controller.signal : undefined})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (body) {
          if (q !== lastQuery) { return; }
          results = body.results || [];
          answered = q;
          if (then) { then(); } else { render(); }
        }).catch(function () { /* aborted or offline: keep the list */ });
    }
    input.addEventListener("input", function () {
      var q = input.value.trim();
      window.clearTimeout(timer);
      if (!q) { results = []; close(); status.textContent = ""; return; }
      timer = window.setTimeout(function () { query(q); }, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && results.length) { e.preventDefault(); list.hidden = false; mark(Math.min(active + 1, results.length - 1)); }
      else if (e.key === "ArrowUp" && results.length) { e.preventDefault(); mark(Math.max(active - 1, 0)); }
      else if (e.key === "Enter") {
        e.preventDefault();
        var q = input.value.trim();
        window.clearTimeout(timer);
        if (q && q !== answered) {  /* typed faster than the list: ask, then take the first hit */
          query(q, function () { if (results.length) { pick(0); } else { render(); } });
        } else if (!list.hidden && results.length) { pick(active >= 0 ? active : 0); }
      } else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
    root.addEventListener("submit", function (e) { e.preventDefault(); });
    var api = {
      pick: pick,
      /* restore a shared link: search the name again and pick the hit with the same id */
      restore: function (q, id, keepView) {
        input.value = q;
        query(q, function () {
          var i = -1;
          results.forEach(function (hit, j) { if (hit.id === id && i < 0) { i = j; } });
          if (i >= 0) { pick(i, keepView); } else { render(); }
        });
      }
    };
    entry.search = api;
    return api;
  }

  GS.parseNumber = parseNumber;
  GS.checkPoint = checkPoint;
  GS.runCheck = runCheck;
  GS.initCheckForm = initCheckForm;
  GS.placeSearch = placeSearch;
})();
