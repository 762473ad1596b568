/* Shared helpers of the geoservice maps. Data text is only ever set with textContent. */
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

  /* ------------------------------------------------------------------ popups that fit the map */

  // autoPan keeps 96 px (left and right) and 72 px (top and bottom) clear of the map controls
  // (layers.js) and the popup's frame and tip take about 30 px across and 60 px down: the
  // content's maximum leaves room for both, so a popup always fits the map
  function popupWidth(map) { return Math.max(180, Math.min(320, map.getSize().x - 130)); }
  function popupHeight(map) { return Math.max(120, Math.min(320, map.getSize().y - 150)); }

  function sameSpot(cluster, map) {
    var b = cluster.getBounds();
    return map.distance(b.getSouthWest(), b.getNorthEast()) < 10;
  }

  function clusterIcon(c, colours, S, map) {
    var counts = {}, order = [];
    c.getAllChildMarkers().forEach(function (m) {
      var cat = m.feature.properties.category;
      if (!(cat in counts)) { counts[cat] = 0; order.push(cat); }
      counts[cat] += 1;
    });
    order.sort();
    var n = c.getChildCount(), at = 0, stops = [];
    order.forEach(function (cat) {
      var from = at, to = at + counts[cat] / n * 360;
      stops.push((colours[cat] || "#333333") + " " + from.toFixed(1) + "deg " + to.toFixed(1) + "deg");
      at = to;
    });
    var names = order.map(function (cat) { return label(S, cat) + " (" + counts[cat] + ")"; }).join(", ");
    var stack = map && sameSpot(c, map);
    var root = el("div", "gs-cluster-ring");
    root.style.background = "conic-gradient(" + stops.join(", ") + ")";
    el("span", "gs-cluster-n", n, root);
    el("span", "gs-sr", " " + (stack ? S.here_list.replace("{n}", n) : S.cluster_projects) + ": " + names, root);
    root.title = names;
    return L.divIcon({html: root.outerHTML, className: "gs-cluster" + (stack ? " gs-cluster-stack" : ""),
                      iconSize: L.point(40, 40)});
  }

  function listPopup(items, S, urlTemplate, colours, focusId, year) {
    var root = el("div", "gs-popup gs-popup-list");
    var rest = items;
    if (focusId) {
      root.appendChild(projectPopup(items[0], S, urlTemplate, year));
      rest = items.slice(1);
      el("p", "gs-list-head", S.more_here, root);
    } else {
      el("p", "gs-list-head", S.here_list.replace("{n}", items.length), root);
    }
    var ul = el("ul", "gs-here-list", null, root);
    rest.slice().sort(function (a, b) { return String(a.title).localeCompare(String(b.title)); })
      .forEach(function (p) {
        var li = el("li", null, null, ul);
        var dot = el("span", "dot", null, li);
        dot.style.background = colours[p.category] || "#333333";
        dot.setAttribute("aria-hidden", "true");
        var a = el("a", null, p.title, li);
        a.href = urlTemplate.replace("__ID__", encodeURIComponent(p.id));
        el("small", null, " " + years(p, S) + " · " + label(S, statusInYear(p, year) || "") + " · " +
           label(S, p.category), li);
      });
    return root;
  }

  function years(p, S) {
    if (p.start_year == null && p.end_year == null) { return S.unknown; }
    if (p.start_year == null) { return S.until + " " + p.end_year; }
    if (p.end_year == null) { return S.since + " " + p.start_year; }
    return p.start_year === p.end_year ? String(p.start_year) : p.start_year + "–" + p.end_year;
  }

  function projectPopup(p, S, urlTemplate, year) {
    var root = el("div", "gs-popup");
    el("p", "gs-popup-title", p.title, root);
    var dl = el("dl", null, null, root);
    function row(label, value, linkified) {
      if (value === null || value === undefined || value === "") { return; }
      el("dt", null, label, dl);
      var dd = el("dd", null, null, dl);
      if (linkified) { linkify(value, dd); } else { dd.textContent = String(value); }
    }
    row(S.years, years(p, S));
    var st = statusInYear(p, year);
    row(S.status, st !== p.status ? label(S, st) + " (" + year + ")" : label(S, p.status));
    if (st === p.status) { row(S.status_note, p.status_note); }
    row(S.category, label(S, p.category));
    el("p", "gs-popup-desc", p.description, root);
    dl = el("dl", null, null, root);
    row(S.funding, p.funding);
    row(S.accuracy, S["acc_" + p.location_accuracy] || p.location_accuracy);
    row(S.source, p.source, true);
    if (urlTemplate) {
      var a = el("a", "gs-popup-link", S.details, root);
      a.href = urlTemplate.replace("__ID__", encodeURIComponent(p.id));
    }
    return root;
  }

  function areaSummary(p, S) {
    var root = el("div", "gs-tip");
    el("strong", null, p.name, root);
    el("div", null, p.programme, root);
    el("div", null, S.valid + ": " + formatDate(p.valid_from) + " – " +
       (p.valid_to ? formatDate(lastDay(p.valid_to)) : S.open), root);
    el("div", null, S.accuracy + ": " + (S[p.accuracy] || p.accuracy), root);
    return root;
  }

  /* One page of a collection's items (the HTML items page): outlines and pins with popups
     linking to each item; the page's table lists the same features. */
  function itemPopup(p, S) {
    var root = el("div", "gs-popup");
    el("p", "gs-popup-title", p.title, root);
    var dl = el("dl", null, null, root);
    (p.rows || []).forEach(function (r) {
      if (r[1] === null || r[1] === undefined || r[1] === "") { return; }
      el("dt", null, r[0], dl);
      el("dd", null, r[1], dl);
    });
    if (p.reconstructed) { el("p", "gs-popup-note", S.reconstructed, root); }
    var a = el("a", "gs-popup-link", S.open, root);
    a.href = p.url;
    return root;
  }

  function items(map, data, S, label) {
    var group = L.featureGroup(), ids = [];
    data.features.forEach(function (f) {
      var p = f.properties, layer;
      if (p.kind === "marker") {
        layer = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          title: p.title, riseOnHover: true,
          icon: L.divIcon({className: "gs-pin", html: "", iconSize: [18, 18], iconAnchor: [9, 9],
                           popupAnchor: [0, -8]})
        });
        layer.on("add", function () {
          var node = layer.getElement();
          if (node) { node.style.background = p.colour; node.setAttribute("aria-label", p.title); }
        });
      } else {
        layer = L.geoJSON(f, {style: {color: p.colour, weight: 3, opacity: 1, fillColor: p.colour,
                                      fillOpacity: 0.12}});
        layer.bindTooltip(p.title, {sticky: true});
      }
      layer.feature = f;
      layer.bindPopup(function () { return itemPopup(p, S); },
                      {maxWidth: popupWidth(map), maxHeight: popupHeight(map)});
      group.addLayer(layer);
      ids.push(p.id);
    });
    group.addTo(map);
    var entry = GS.of(map);
    entry.items = {ids: ids, group: group, features: data.features};
    entry.addOverlay(group, label, "items");
    return entry.items;
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

  function control(map, position, className, build) {
    var C = L.Control.extend({
      onAdd: function () {
        var div = L.DomUtil.create("div", "leaflet-control gs-control " + className);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        build(div);
        return div;
      }
    });
    return new C({position: position}).addTo(map);
  }

  function legend(map, title, items, position) {
    var entry = GS.of(map), ul = null;
    var fixed = items.filter(function (i) { return i.kind !== "area"; });
    var areas = items.filter(function (i) { return i.kind === "area"; });
    function render() {
      ul.textContent = "";
      areas.concat(fixed).forEach(function (item) {
        var li = el("li", null, null, ul);
        var sw = el("span", "gs-swatch gs-swatch-" + item.kind, null, li);
        sw.setAttribute("aria-hidden", "true");
        sw.style.borderColor = item.colour;
        if (item.kind !== "area" && item.kind !== "area-old") { sw.style.background = item.colour; }
        el("span", null, item.label, li);
      });
    }
    control(map, position || "bottomright", "gs-legend", function (div) {
      var details = el("details", null, null, div);
      details.open = window.innerWidth > 700;
      el("summary", null, title, details);
      ul = el("ul", null, null, details);
      render();
    });
    entry.legendControl = {setAreas: function (list) { areas = list; render(); }};
    if (entry.areas && entry.areas.legendItems) { entry.legendControl.setAreas(entry.areas.legendItems()); }
  }

  function notice(map, text, linkText, url) {
    control(map, "bottomleft", "gs-notice", function (div) {
      el("span", null, text + " ", div);
      if (url) {
        var a = el("a", null, linkText, div);
        a.href = url;
      }
    });
  }

  /* Is `text` already shown by the attribution control (e.g. the OSM data layers' notice)? */
  function attributed(map, text) {
    var shown = map.attributionControl ? Object.keys(map.attributionControl._attributions || {}) : [];
    return shown.some(function (a) { return a && a.indexOf(text) >= 0; });
  }

  function tiles(map, cfg, S) {
    var entry = GS.of(map);
    if (cfg.url) {
      L.tileLayer(cfg.url, {attribution: attributed(map, cfg.attribution) ? "" : cfg.attribution,
                            maxZoom: 19}).addTo(map);
      return;
    }
    var key = "geoservice.tiles.consent";
    var layer = null, failed = false;
    var box;
    function load() {
      if (!layer) {
        /* the data layers already credit OpenStreetMap: the attribution is shown once */
        layer = L.tileLayer(cfg.consentUrl, {
          attribution: attributed(map, cfg.consentAttribution) ? "" : cfg.consentAttribution, maxZoom: 19});
        /* tiles that do not arrive (offline, blocked, server down): say so and offer the way back */
        var errors = 0;  /* tiles that failed since the map last started loading a view */
        layer.on("loading", function () { errors = 0; });
        layer.on("tileerror", function () {
          errors += 1;
          if (!failed) { failed = true; render(); }
        });
        layer.on("load", function () {  /* every tile of the view arrived: the notice goes */
          if (failed && errors === 0) { failed = false; render(); }
        });
      }
      failed = false;
      layer.addTo(map);
      layer.bringToBack();
      render();
    }
    function unload(forget) {
      if (forget) {
        try { window.localStorage.removeItem(key); } catch (e) { /* storage blocked */ }
      }
      failed = false;
      map.removeLayer(layer);
      render();
      box.querySelector("button").focus();
    }
    function render() {
      box.textContent = "";
      box.classList.toggle("gs-consent-failed", failed);
      if (layer && map.hasLayer(layer)) {
        if (failed) {
          var msg = el("p", "gs-tile-error", S.failed, box);
          msg.setAttribute("role", "alert");
          var back = el("button", "gs-button gs-tile-back", S.back, box);
          back.type = "button";
          back.addEventListener("click", function () { unload(true); });
          return;
        }
        var off = el("button", "gs-button", S.revoke, box);
        off.type = "button";
        off.addEventListener("click", function () { unload(true); });
        return;
      }
      var first = el("button", "gs-button gs-consent-open", S.load, box);
      first.type = "button";
      first.setAttribute("aria-expanded", "false");
      first.addEventListener("click", function () {
        box.textContent = "";
        var p = el("p", "gs-consent-text", S.explain, box);
        p.id = map.getContainer().id + "-consent";
        var yes = el("button", "gs-button gs-consent-yes", S.agree, box);
        yes.type = "button";
        yes.setAttribute("aria-describedby", p.id);
        var no = el("button", "gs-button gs-button-secondary", S.cancel, box);
        no.type = "button";
        yes.addEventListener("click", function () {
          try { window.localStorage.setItem(key, cfg.consentUrl); } catch (e) { /* storage blocked */ }
          load();
          box.querySelector("button").focus();
        });
        no.addEventListener("click", function () { render(); box.querySelector("button").focus(); });
        yes.focus();
      });
    }
    control(map, "topright", "gs-consent", function (div) { box = div; render(); });
    entry.tiles = {load: load, unload: unload, failed: function () { return failed; }};
    var stored = null;
    try { stored = window.localStorage.getItem(key); } catch (e) { /* storage blocked */ }
    /* after the page's other layers are added, so their attribution is known (shown once) */
    if (stored === cfg.consentUrl) { window.setTimeout(load, 0); }
  }

  function locateControl(map, S) {
    var marker = null;
    control(map, "topleft", "gs-locate", function (div) {
      var b = el("button", "gs-button gs-icon-button", null, div);
      b.type = "button";
      var icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      icon.setAttribute("class", "gs-icon");
      icon.setAttribute("viewBox", "0 0 20 20");
      icon.setAttribute("width", "20");
      icon.setAttribute("height", "20");
      icon.setAttribute("aria-hidden", "true");
      icon.innerHTML = '<circle cx="10" cy="10" r="6" fill="none" stroke="currentColor" stroke-width="2"/>' +
        '<circle cx="10" cy="10" r="2" fill="currentColor"/><path d="M10 0v4M10 16v4M0 10h4M16 10h4" stroke="currentColor" stroke-width="2"/>';
      b.appendChild(icon);
      el("span", "gs-button-text", S.button, b);
      b.title = S.button;
      var msg = el("p", "gs-locate-msg", null, div);
      msg.setAttribute("role", "status");
      b.addEventListener("click", function () {
        if (!navigator.geolocation) { msg.textContent = S.unsupported; return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = [pos.coords.latitude, pos.coords.longitude];
          if (marker) { map.removeLayer(marker); }
          marker = L.circleMarker(ll, {radius: 8, color: "#0b3d91", weight: 3,
                                       fillColor: "#4fc3f7", fillOpacity: 0.9})
            .bindTooltip(S.here).addTo(map);
          map.setView(ll, Math.max(map.getZoom(), 16));
          msg.textContent = S.here;
        }, function (err) {
          msg.textContent = S.denied.replace("{reason}", err.message || String(err.code));
        }, {enableHighAccuracy: true, timeout: 10000});
      });
    });
  }

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
    var entry = entries.length ? entries[entries.length - 1] : null;
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
    var results = [], active = -1, timer = null, controller = null, lastQuery = null;

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
        if (!list.hidden && results.length) { pick(active >= 0 ? active : 0); }
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

  /* Restore view, hit and project from the hash; keep centre/zoom in it as the map moves. */
  function trackView(entry) {
    var v = state.read();
    var map = entry.map;
    var keep = false;
    if (v.c && v.z) {
      var c = v.c.split(",").map(parseFloat), z = parseInt(v.z, 10);
      if (c.length === 2 && isFinite(c[0]) && isFinite(c[1]) && isFinite(z)) {
        /* at once, not animated: an animated jump of more than a few zoom levels could be cut
           short by the page's next move and leave the page's own fitted view */
        map.setView(c, z, {animate: false});
        keep = true;
      }
    }
    /* a shared view is restored exactly: the hit and the project reappear without moving it */
    if (v.hit && v.q && entry.search) { entry.search.restore(v.q, v.hit, keep); }
    if (v.project && entry.projects && entry.projects.markers[v.project]) { entry.projects.show(v.project, keep); }
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
    popupWidth: popupWidth, popupHeight: popupHeight, sameSpot: sameSpot, clusterIcon: clusterIcon,
    listPopup: listPopup,
    el: el, linkify: linkify, versionInYear: versionInYear, startedBy: startedBy,
    projectMatches: projectMatches, projectPopup: projectPopup, areaSummary: areaSummary,
    legend: legend, notice: notice, tiles: tiles, locateControl: locateControl, items: items,
    itemPopup: itemPopup, label: label,
    layerControl: function (map, S) { return GS.of(map).layerControl(S); },
    checkPoint: checkPoint, initCheckForm: initCheckForm, formatDate: formatDate,
    parseNumber: parseNumber, placeSearch: placeSearch, state: state, trackView: trackView,
    zoomClasses: zoomClasses,
    register: function (map) { var e = new Entry(map); entries.push(e); GS.main = e; return e; },
    of: function (map) {
      for (var i = 0; i < entries.length; i++) { if (entries[i].map === map) { return entries[i]; } }
      return GS.register(map);
    },
    entries: entries
  };
})();
