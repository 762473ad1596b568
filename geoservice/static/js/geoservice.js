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

  function formatDate(iso) {
    if (!iso) { return ""; }
    var p = iso.split("-");
    return document.documentElement.lang === "de" ? p[2] + "." + p[1] + "." + p[0] : iso;
  }

  /* A boundary version is shown in year Y if its half-open validity [valid_from, valid_to)
     overlaps [Y-01-01, (Y+1)-01-01) -- the range timeutil.parse_datetime("Y") returns and
     areas.time_mask() tests. ISO dates compare correctly as strings; null is an open end. */
  function versionInYear(p, year) {
    var start = year + "-01-01", end = (year + 1) + "-01-01";
    return (p.valid_from == null || p.valid_from < end) && (p.valid_to == null || p.valid_to > start);
  }

  /* A project counts from its start_year on (running or finished by then); unknown start = always. */
  function startedBy(p, year) {
    return p.start_year == null || p.start_year <= year;
  }

  function projectMatches(p, opts) {
    opts = opts || {};
    if (opts.year != null && !startedBy(p, opts.year)) { return false; }
    if (opts.categories && opts.categories.indexOf(p.category) < 0) { return false; }
    if (opts.status && p.status !== opts.status) { return false; }
    if (opts.q) {
      var hay = [p.title, p.description, p.address, p.category].join(" ").toLowerCase();
      var words = opts.q.toLowerCase().split(/\s+/).filter(Boolean);
      for (var i = 0; i < words.length; i++) { if (hay.indexOf(words[i]) < 0) { return false; } }
    }
    return true;
  }

  function years(p, S) {
    if (p.start_year == null && p.end_year == null) { return S.unknown; }
    if (p.start_year == null) { return S.until + " " + p.end_year; }
    if (p.end_year == null) { return S.since + " " + p.start_year; }
    return p.start_year === p.end_year ? String(p.start_year) : p.start_year + "–" + p.end_year;
  }

  function projectPopup(p, S, urlTemplate) {
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
    row(S.status, p.status);
    row(S.status_note, p.status_note);
    row(S.category, p.category);
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
       (p.valid_to ? formatDate(p.valid_to) : S.open), root);
    el("div", null, S.accuracy + ": " + (S[p.accuracy] || p.accuracy), root);
    return root;
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
    control(map, position || "bottomright", "gs-legend", function (div) {
      var details = el("details", null, null, div);
      details.open = window.innerWidth > 700;
      el("summary", null, title, details);
      var ul = el("ul", null, null, details);
      items.forEach(function (item) {
        var li = el("li", null, null, ul);
        var sw = el("span", "gs-swatch gs-swatch-" + item.kind, null, li);
        sw.setAttribute("aria-hidden", "true");
        sw.style.borderColor = item.colour;
        if (item.kind !== "area") { sw.style.background = item.colour; }
        el("span", null, item.label, li);
      });
    });
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

  function tiles(map, cfg, S) {
    var entry = GS.of(map);
    if (cfg.url) {
      L.tileLayer(cfg.url, {attribution: cfg.attribution, maxZoom: 19}).addTo(map);
      return;
    }
    var key = "geoservice.tiles.consent";
    var layer = null;
    var box;
    function load() {
      if (!layer) {
        layer = L.tileLayer(cfg.consentUrl, {attribution: cfg.consentAttribution, maxZoom: 19});
      }
      layer.addTo(map);
      layer.bringToBack();
      render();
    }
    function render() {
      box.textContent = "";
      if (layer && map.hasLayer(layer)) {
        var off = el("button", "gs-button", S.revoke, box);
        off.type = "button";
        off.addEventListener("click", function () {
          try { window.localStorage.removeItem(key); } catch (e) { /* storage blocked */ }
          map.removeLayer(layer);
          render();
          box.querySelector("button").focus();
        });
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
    entry.tiles = {load: load};
    var stored = null;
    try { stored = window.localStorage.getItem(key); } catch (e) { /* storage blocked */ }
    if (stored === cfg.consentUrl) { load(); }
  }

  function locateControl(map, S) {
    var marker = null;
    control(map, "topleft", "gs-locate", function (div) {
      var b = el("button", "gs-button", S.button, div);
      b.type = "button";
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

  /* Inside check (fact sheet): ask /locate; if that fails, submit the form (server answers). */
  function checkPoint(lon, lat, formId) {
    var form = document.getElementById(formId);
    if (!form) { return; }
    form.elements.lon.value = lon.toFixed(6);
    form.elements.lat.value = lat.toFixed(6);
    runCheck(form);
  }

  function pickLocations(body) {
    if (Array.isArray(body)) { return body; }
    var keys = ["locations", "areas", "results", "features"];
    for (var i = 0; i < keys.length; i++) {
      if (body && Array.isArray(body[keys[i]])) {
        return body[keys[i]].map(function (x) { return x.properties ? x.properties : x; });
      }
    }
    return null;
  }

  function runCheck(form) {
    var out = document.getElementById(form.dataset.result);
    var S = JSON.parse(form.dataset.strings);
    var lon = parseFloat(form.elements.lon.value), lat = parseFloat(form.elements.lat.value);
    var day = form.elements.datetime.value;
    if (!isFinite(lon) || !isFinite(lat)) { out.textContent = S.bad; return; }
    var entry = entries.length ? entries[entries.length - 1] : null;
    if (entry && entry.checkMarker) { entry.checkMarker(lon, lat); }
    var url = form.dataset.locate + "?f=json&lon=" + encodeURIComponent(lon) + "&lat=" +
      encodeURIComponent(lat) + (day ? "&datetime=" + encodeURIComponent(day) : "");
    out.textContent = S.checking;
    fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (body) {
      var list = pickLocations(body);
      if (!list) { throw new Error("format"); }
      var mine = list.filter(function (x) { return x.area_id === form.dataset.area; });
      out.textContent = "";
      if (!mine.length) { el("p", null, S.none, out); return; }
      mine.forEach(function (x) {
        var text = (x.inside ? S.inside : S.outside)
          .replace("{name}", x.name || form.dataset.areaName)
          .replace("{distance}", Number(x.distance_m).toLocaleString(document.documentElement.lang));
        el("p", x.inside ? "gs-inside" : "gs-outside", text, out);
      });
    }).catch(function (err) {
      out.textContent = S.failed.replace("{reason}", err.message);
    });
  }

  function initCheckForm(formId) {
    var form = document.getElementById(formId);
    if (!form) { return; }
    form.addEventListener("submit", function (e) { e.preventDefault(); runCheck(form); });
  }

  window.GS = {
    el: el, linkify: linkify, versionInYear: versionInYear, startedBy: startedBy,
    projectMatches: projectMatches, projectPopup: projectPopup, areaSummary: areaSummary,
    legend: legend, notice: notice, tiles: tiles, locateControl: locateControl,
    layerControl: function (map, S) { return GS.of(map).layerControl(S); },
    checkPoint: checkPoint, initCheckForm: initCheckForm, formatDate: formatDate,
    register: function (map) { var e = new Entry(map); entries.push(e); GS.main = e; return e; },
    of: function (map) {
      for (var i = 0; i < entries.length; i++) { if (entries[i].map === map) { return entries[i]; } }
      return GS.register(map);
    },
    entries: entries
  };
})();
