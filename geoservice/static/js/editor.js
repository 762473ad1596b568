/* Web editor: place the project's point on the map (click, drag, arrow keys or the lon/lat
   fields) and preview the public popup. Text typed by editors is only set with textContent
   (GS.projectPopup builds the card from DOM nodes). */
(function () {
  "use strict";

  var DECIMALS = 6;

  function number(value) {
    var n = parseFloat(String(value || "").trim().replace(",", "."));
    return isFinite(n) ? n : null;
  }

  /* Called by the map's script (MapCall "editorPoint"): wires map, marker and form together. */
  function editorPoint(map, cfg) {
    var form = document.getElementById(cfg.form);
    if (!form) { return; }
    var lon = form.elements.lon, lat = form.elements.lat;
    var status = document.getElementById(cfg.status);
    var marker = null;

    function announce(ll) {
      if (status) {
        status.textContent = cfg.placed.replace("{lon}", ll.lng.toFixed(DECIMALS))
          .replace("{lat}", ll.lat.toFixed(DECIMALS));
      }
    }

    function fill(ll) {
      lon.value = ll.lng.toFixed(DECIMALS);
      lat.value = ll.lat.toFixed(DECIMALS);
      announce(ll);
      form.dispatchEvent(new Event("input", {bubbles: true}));
    }

    function place(ll) {
      if (!marker) {
        marker = L.marker(ll, {
          draggable: true, autoPan: true, keyboard: true, title: cfg.marker, alt: cfg.marker,
          icon: L.divIcon({className: "gs-pin gs-edit-pin", html: "", iconSize: [24, 24],
                           iconAnchor: [12, 12]})
        }).addTo(map);
        marker.on("dragend", function () { fill(marker.getLatLng()); });
        marker.on("add", label);
        label();
        var el = marker.getElement();
        if (el) {
          el.addEventListener("keydown", function (e) {
            var step = e.shiftKey ? 0.001 : 0.0001;  /* about 7 m (70 m with Shift) */
            var d = {ArrowUp: [step, 0], ArrowDown: [-step, 0],
                     ArrowLeft: [0, -step * 1.6], ArrowRight: [0, step * 1.6]}[e.key];
            if (!d) { return; }
            e.preventDefault();
            e.stopPropagation();
            var now = marker.getLatLng();
            var next = L.latLng(now.lat + d[0], now.lng + d[1]);
            marker.setLatLng(next);
            fill(next);
          });
        }
      } else {
        marker.setLatLng(ll);
      }
      if (!map.getBounds().contains(ll)) { map.panTo(ll); }
    }

    function label() {
      var el = marker && marker.getElement();
      if (el) { el.setAttribute("aria-label", cfg.marker); }
    }

    function fromFields() {
      var x = number(lon.value), y = number(lat.value);
      if (x !== null && y !== null) { place(L.latLng(y, x)); }
    }

    map.on("click", function (e) {
      place(e.latlng);
      fill(e.latlng);
    });
    lon.addEventListener("change", fromFields);
    lat.addEventListener("change", fromFields);
    fromFields();
    GS.of(map).editor = {
      place: function (x, y) { var ll = L.latLng(y, x); place(ll); fill(ll); },
      marker: function () { return marker; }
    };
  }

  /* The preview: the public popup (GS.projectPopup) built from the form's current values. */
  function preview(form, target, S) {
    function value(name) {
      var field = form.elements[name];
      var v = field ? String(field.value).trim() : "";
      return v === "" ? null : v;
    }
    function year(name) {
      var v = value(name);
      return v !== null && /^\d{4}$/.test(v) ? parseInt(v, 10) : null;
    }
    function render() {
      var p = {
        id: "", title: value("title") || "…", description: value("description"),
        category: value("category"), status: value("status"), status_note: value("status_note"),
        funding: value("funding"), location_accuracy: value("location_accuracy"),
        source: value("source"), start_year: year("start_year"), end_year: year("end_year")
      };
      target.textContent = "";
      target.appendChild(GS.projectPopup(p, S, null));
    }
    form.addEventListener("input", render);
    form.addEventListener("change", render);
    render();
  }

  window.GS = window.GS || {};
  GS.editorPoint = editorPoint;

  var form = document.getElementById("project-form");
  var target = document.getElementById("preview");
  var strings = document.getElementById("editor-strings");
  if (form && target && strings && GS.projectPopup) {
    preview(form, target, JSON.parse(strings.textContent));
  }
  var summary = document.getElementById("error-summary") || document.getElementById("conflict");
  if (summary) { summary.focus(); }
})();
