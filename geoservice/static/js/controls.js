/* Map controls: legend, notice, base-map consent, locate button. Needs geoservice.js (window.GS).
   Data text is only ever set with textContent. */
(function () {
  "use strict";

  var el = GS.el;

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
      /* an open legend stays clear of the controls above it (consent, layers) on a short map */
      function fit() { div.style.maxHeight = Math.max(96, map.getSize().y - 150) + "px"; }
      fit();
      map.on("resize", fit);
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
      /* with a place search on the page the answer badge says it (answer.js); the control
         itself stays a button, no box of text left beside it */
      function say(text) {
        var answer = GS.of(map).answer;
        if (answer) { answer.message(S.button, text); } else { msg.textContent = text; }
      }
      b.addEventListener("click", function () {
        if (!navigator.geolocation) { say(S.unsupported); return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = [pos.coords.latitude, pos.coords.longitude];
          if (marker) { map.removeLayer(marker); }
          marker = L.circleMarker(ll, {radius: 8, color: "#0b3d91", weight: 3,
                                       fillColor: "#4fc3f7", fillOpacity: 0.9})
            .bindTooltip(S.here).addTo(map);
          map.setView(ll, Math.max(map.getZoom(), 16));
          var answer = GS.of(map).answer;
          if (answer) { answer.ask(ll[1], ll[0], S.here, true); }  /* answered in the browser */ else { msg.textContent = S.here; }
        }, function (err) {
          say(S.denied.replace("{reason}", err.message || String(err.code)));
        }, {enableHighAccuracy: true, timeout: 10000});
      });
    });
  }

  GS.legend = legend;
  GS.notice = notice;
  GS.tiles = tiles;
  GS.locateControl = locateControl;
  GS.control = control;
})();
