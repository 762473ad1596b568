/* Popups, tooltips and cluster icons of the maps; the items page's layer. Needs geoservice.js (window.GS).
   Data text is only ever set with textContent. */
(function () {
  "use strict";

  var el = GS.el, linkify = GS.linkify, label = GS.label, statusInYear = GS.statusInYear, formatDate = GS.formatDate, lastDay = GS.lastDay;

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
      el("h3", "gs-list-head", S.more_here, root);
    } else {
      el("h2", "gs-list-head", S.here_list.replace("{n}", items.length), root);
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
    el("h2", "gs-popup-title", p.title, root);
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
    el("h2", "gs-popup-title", p.title, root);
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
    var group = L.featureGroup(), ids = [], spots = {};
    /* items at one spot share one pin (one target, WCAG target size) whose popup lists them all */
    data.features.forEach(function (f) {
      if (f.properties.kind === "marker") {
        var k = f.geometry.coordinates.join(",");
        (spots[k] = spots[k] || []).push(f.properties);
      }
    });
    data.features.forEach(function (f) {
      var p = f.properties, layer, here = null;
      if (p.kind === "marker") {
        here = spots[f.geometry.coordinates.join(",")];
        if (here[0] !== p) { ids.push(p.id); return; }
        var title = here.map(function (q) { return q.title; }).join("; ");
        layer = L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
          title: title, riseOnHover: true,
          icon: L.divIcon({className: "gs-pin", html: "", iconSize: [24, 24], iconAnchor: [12, 12],
                           popupAnchor: [0, -11]})
        });
        layer.on("add", function () {
          var node = layer.getElement();
          if (node) { node.style.background = p.colour; node.setAttribute("aria-label", title); }
        });
      } else {
        layer = L.geoJSON(f, {style: {color: p.colour, weight: 3, opacity: 1, fillColor: p.colour,
                                      fillOpacity: 0.12}});
        layer.bindTooltip(p.title, {sticky: true});
        layer.on("add", function () {  /* a clicked shape takes focus: it has a name (layers.js) */
          layer.eachLayer(function (l) {
            if (l._path) { l._path.setAttribute("role", "img"); l._path.setAttribute("aria-label", p.title); }
          });
        });
      }
      layer.feature = f;
      layer.bindPopup(function () {
        if (!here || here.length === 1) { return itemPopup(p, S); }
        var root = el("div", "gs-popup-list");
        here.forEach(function (q) { root.appendChild(itemPopup(q, S)); });
        return root;
      },
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

  GS.popupWidth = popupWidth;
  GS.popupHeight = popupHeight;
  GS.sameSpot = sameSpot;
  GS.clusterIcon = clusterIcon;
  GS.listPopup = listPopup;
  GS.projectPopup = projectPopup;
  GS.areaSummary = areaSummary;
  GS.itemPopup = itemPopup;
  GS.items = items;
})();
