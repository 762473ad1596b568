/* Shared helpers of the geoservice maps: text and time helpers, the map registry (GS.of), the
   state in the URL (#hash). The other files add to window.GS and load after this one, in the order
   web/leaflet.py lists them: popups.js, controls.js, search.js, then layers.js.
   Data text is only ever set with textContent. */
(function () {
  "use strict";

  var entries = [];

  function el(tag, className, text, parent) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  /* Append text to parent, turning http(s) URLs into links (built with textContent/href). */
  function linkify(text, parent) {
    String(text || "").split(/(https?:\/\/[^\s;|,]+)/).forEach(function (part) {
      if (/^https?:\/\//.test(part)) {
        var a = el("a", null, part, parent);
        a.href = part;
        a.rel = "noopener noreferrer";
      } else if (part) {
        parent.appendChild(document.createTextNode(part));
      }
    });
    return parent;
  }

  var MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* A day as people read it: "13.07.2000" in German, "13 Jul 2000" in English (display.fmt_date). */
  function formatDate(iso) {
    if (!iso) { return ""; }
    var p = iso.split("-");
    if (document.documentElement.lang === "de") { return p[2] + "." + p[1] + "." + p[0]; }
    return parseInt(p[2], 10) + " " + MONTHS_EN[parseInt(p[1], 10) - 1] + " " + p[0];
  }

  /* A status or category in the page's language (S.values: German value -> label; empty in German). */
  function label(S, value) {
    return (S && S.values && S.values[value]) || value;
  }

  /* A boundary version is shown in year Y if its half-open validity [valid_from, valid_to)
     overlaps [Y-01-01, (Y+1)-01-01) -- the range timeutil.parse_datetime("Y") returns and
     areas.day_overlap() tests. ISO dates compare correctly as strings; null is an open end. */
  function versionInYear(p, year) {
    var start = year + "-01-01", end = (year + 1) + "-01-01";
    return (p.valid_from == null || p.valid_from < end) && (p.valid_to == null || p.valid_to > start);
  }

  /* A project counts from its start_year on (running or finished by then). A project whose start
     is unknown has no known time (timeutil.project_days: it matches no `datetime` query), so it
     is shown only in the present year, where the map shows the register as it stands today. */
  function startedBy(p, year) {
    if (p.start_year == null) { return year >= new Date().getFullYear(); }
    return p.start_year <= year;
  }

  function projectMatches(p, opts) {
    opts = opts || {};
    if (opts.year != null && !startedBy(p, opts.year)) { return false; }
    if (opts.categories && opts.categories.indexOf(p.category) < 0) { return false; }
    if (opts.status && statusInYear(p, opts.year) !== opts.status) { return false; }
    if (opts.q) {
      var hay = [p.title, p.description, p.address, p.category].join(" ").toLowerCase();
      var words = opts.q.toLowerCase().split(/\s+/).filter(Boolean);
      for (var i = 0; i < words.length; i++) { if (hay.indexOf(words[i]) < 0) { return false; } }
    }
    return true;
  }


  /* ------------------------------------------------------------------ time: a year is the whole year */

  /* Role of a version in a period [start, end) (ISO days; null = open): "outgoing" if it ends
     inside the period, "incoming" if it begins inside it, else null. */
  function areaRole(p, range) {
    if (!range) { return null; }
    var s = range[0], e = range[1];
    function inside(day) { return day && (s == null || day > s) && (e == null || day < e); }
    if (inside(p.valid_to)) { return "outgoing"; }
    if (inside(p.valid_from)) { return "incoming"; }
    return null;
  }

  function areaStyle(p, colours, range) {
    var c = colours[p.area_id] || "#333333", role = areaRole(p, range);
    if (role === "outgoing") {
      return {color: c, weight: 3, opacity: 0.9, dashArray: "7 6", fillColor: c, fillOpacity: 0.04};
    }
    return {color: c, weight: role === "incoming" ? 4 : 3, opacity: 1, dashArray: null,
            fillColor: c, fillOpacity: 0.12};
  }

  function lastDay(iso) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() - 1);  /* valid_to is exclusive */
    return d.toISOString().slice(0, 10);
  }

  function areaLegendItem(p, colours, range, S) {
    var role = areaRole(p, range), label = p.name + " (" + p.programme + ")";
    if (role === "outgoing") { label += ", " + S.until + " " + formatDate(lastDay(p.valid_to)) + " – " + S.outgoing; }
    else if (role === "incoming") { label += ", " + S.from + " " + formatDate(p.valid_from) + " – " + S.incoming; }
    return {label: label, colour: colours[p.area_id] || "#333333", kind: role === "outgoing" ? "area-old" : "area"};
  }

  /* A project's status in a year: planned before its start
     year, running from start to end year, the recorded status this year and where nothing is known. */
  function statusInYear(p, year) {
    var now = new Date().getFullYear();
    if (year == null || year >= now || !p.status) { return p.status; }
    if (p.start_year != null && year < p.start_year) { return "geplant"; }
    if (p.status === "abgeschlossen" && p.start_year != null &&
        ((p.end_year == null && year === p.start_year) || (p.end_year != null && year <= p.end_year))) {
      return "laufend";
    }
    return p.status;
  }

  function Entry(map) {
    this.map = map;
    this.overlays = [];
  }
  Entry.prototype.addOverlay = function (layer, label, key) {
    this.overlays.push({layer: layer, label: label, key: key});
  };
  Entry.prototype.layerControl = function (S) {
    var overlays = {};
    this.overlays.forEach(function (o) { overlays[o.label] = o.layer; });
    this.control = L.control.layers(this.base || {}, overlays, {collapsed: true}).addTo(this.map);
    var toggle = this.control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle) { toggle.title = S.title; toggle.setAttribute("aria-label", S.title); }
    return this.control;
  };

  /* ------------------------------------------------------------------ state in the URL (#hash) */

  var state = {
    values: {},
    read: function () {
      var out = {};
      window.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
        var kv = part.split("=");
        if (kv[0]) { out[decodeURIComponent(kv[0])] = decodeURIComponent(kv.slice(1).join("=") || ""); }
      });
      state.values = out;
      return out;
    },
    set: function (changes) {
      Object.keys(changes).forEach(function (k) {
        if (changes[k] === null || changes[k] === undefined || changes[k] === "") { delete state.values[k]; }
        else { state.values[k] = String(changes[k]); }
      });
      var hash = Object.keys(state.values).sort().map(function (k) {
        return encodeURIComponent(k) + "=" + encodeURIComponent(state.values[k]);
      }).join("&");
      try {
        window.history.replaceState(null, "", window.location.pathname + window.location.search + (hash ? "#" + hash : ""));
      } catch (e) { /* sandboxed frame */ }
    }
  };

  /* Set the view at once. A zoom animation (the locate button's, a search hit's) ends at its own
     target after any view set meanwhile, and one asked for in this frame starts in the next
     (Leaflet 1.9): the link's view is set again when such an animation has ended. */
  function jump(map, c, z) {
    function set() { map.setView(c, z, {animate: false}); }
    function late() { map.once("zoomend", set); }
    if (map._animatingZoom) { late(); return; }
    set();
    map.once("zoomanim", late);
    window.requestAnimationFrame(function () {
      window.requestAnimationFrame(function () { map.off("zoomanim", late); });
    });
  }

  /* Restore view, hit and project from the hash; keep centre/zoom in it as the map moves. A link
     whose # alone changes in an open tab (no reload) is followed too (hashchange). */
  function trackView(entry) {
    var map = entry.map;
    function follow(v, before) {
      var keep = false;
      if (v.c && v.z) {
        var c = v.c.split(",").map(parseFloat), z = parseInt(v.z, 10);
        if (c.length === 2 && isFinite(c[0]) && isFinite(c[1]) && isFinite(z)) {
          /* at once, not animated: an animated jump of more than a few zoom levels could be cut
             short by the page's next move and leave the page's own fitted view */
          if (v.c !== before.c || v.z !== before.z) { jump(map, c, z); }
          keep = true;
        }
      }
      /* a shared view is restored exactly: the hit and the project reappear without moving it */
      if (v.hit && v.q && entry.search && (v.hit !== before.hit || v.q !== before.q)) {
        entry.search.restore(v.q, v.hit, keep);
      }
      if (v.project !== before.project) {
        if (v.project && entry.projects && entry.projects.markers[v.project]) { entry.projects.show(v.project, keep); }
        else if (!v.project) { map.closePopup(); }
      }
    }
    var v = state.read();
    follow(v, {});
    window.addEventListener("hashchange", function () {
      var before = {};  /* what the page showed: state.values follows every change it made */
      Object.keys(state.values).forEach(function (k) { before[k] = state.values[k]; });
      var now = state.read();
      follow(now, before);
      window.dispatchEvent(new CustomEvent("gs:hash", {detail: now}));  /* home.js: the year */
    });
    map.on("moveend", function () {
      var c = map.getCenter();
      state.set({c: c.lat.toFixed(5) + "," + c.lng.toFixed(5), z: map.getZoom()});
    });
    map.on("popupopen", function (e) {
      var f = e.popup._source && e.popup._source.feature;
      if (f && f.properties && f.properties.id && f.properties.title) { state.set({project: f.properties.id}); }
    });
    map.on("popupclose", function () { state.set({project: null}); });
    return v;
  }

  /* ------------------------------------------------------------------ context (first-party) */

  function zoomClasses(map) {
    function apply() {
      var z = map.getZoom(), c = map.getContainer().classList;
      c.toggle("gs-z-street", z >= 16);
      c.toggle("gs-z-stop", z >= 15);
      c.toggle("gs-z-district", z <= 15);
    }
    map.on("zoomend", apply);
    apply();
  }

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".gs-legend details").forEach(function (d) { d.open = true; });
    entries.forEach(function (e) { e.map.invalidateSize(); });
  });
  window.addEventListener("afterprint", function () {
    entries.forEach(function (e) { e.map.invalidateSize(); });
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest(".print-button");
    if (b) { window.print(); }
  });

  window.GS = {
    areaRole: areaRole, areaStyle: areaStyle, areaLegendItem: areaLegendItem, statusInYear: statusInYear,
    el: el, linkify: linkify, versionInYear: versionInYear, startedBy: startedBy,
    projectMatches: projectMatches, label: label, lastDay: lastDay,
    layerControl: function (map, S) { return GS.of(map).layerControl(S); },
    formatDate: formatDate, state: state, trackView: trackView, zoomClasses: zoomClasses,
    register: function (map) { var e = new Entry(map); entries.push(e); GS.main = e; return e; },
    of: function (map) {
      for (var i = 0; i < entries.length; i++) { if (entries[i].map === map) { return entries[i]; } }
      return GS.register(map);
    },
    entries: entries
  };
})();
