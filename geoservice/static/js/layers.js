/* The layers and controls of the geoservice maps: each page calls these with its data as
   HTML-safe JSON (web/leaflet.py writes one call per layer). Needs geoservice.js (window.GS).
   Data text is only ever set with textContent (tooltips and popups take text or DOM nodes). */
(function () {
  "use strict";

  /* Every popup opens clear of the map's corner controls (zoom, layers, search buttons). */
  L.Popup.mergeOptions({autoPanPaddingTopLeft: [48, 48], autoPanPaddingBottomRight: [48, 24]});

  /* Shapes a pointer can click get a name (role img): a browser focuses a clicked shape, and a
     focused thing without a name says nothing to a screen reader. */
  function nameShapes(layer, text) {
    function apply(l) {
      if (l.getLayers) { l.getLayers().forEach(apply); }
      else if (l._path) { l._path.setAttribute("role", "img"); l._path.setAttribute("aria-label", text); }
    }
    layer.on("add", function () { apply(layer); });
    if (layer._map) { apply(layer); }
    return layer;
  }

  /* The map of one page: no zoom control of Leaflet's own (ours has translated titles). */
  function createMap(id, view) {
    var options = {center: view.center, zoomControl: false};
    Object.keys(view.options).forEach(function (k) { options[k] = view.options[k]; });
    var map = L.map(id, options);
    if (view.fit) {
      /* the first view, not animated: an animation still running when a shared link's
         view is restored would end on this view instead */
      map.fitBounds(view.fit, {animate: false});
    }
    L.control.zoom({zoomInTitle: view.strings.zoom_in, zoomOutTitle: view.strings.zoom_out}).addTo(map);
    L.control.scale({imperial: false}).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    GS.register(map);
    return map;
  }

  /* OSM Stadtteil outlines as a quiet grey background, with their names (hidden at street zoom). */
  function contextLayer(map, data, attribution, label) {
    var layer = L.geoJSON(data, {
      interactive: false,
      attribution: attribution,
      style: function () {
        return {color: "#6b6b6b", weight: 1.2, dashArray: "4 3", fill: true,
                fillColor: "#f4f4f0", fillOpacity: 0.35};
      }
    }).addTo(map);
    layer.eachLayer(function (l) {
      var name = l.feature && l.feature.properties && l.feature.properties.name;
      if (name) {
        l.bindTooltip(name, {permanent: true, direction: "center",
                             className: "gs-district-label", interactive: false});
      }
    });
    GS.of(map).addOverlay(layer, label, "context");
  }

  /* Street lines with their names (readable from street zoom on) and stop symbols. */
  function placeContext(map, data, attribution, streetLabel, stopLabel) {
    var streets = L.featureGroup(), stops = L.featureGroup();
    data.features.forEach(function (f) {
      var p = f.properties;
      if (p.kind === "street") {
        var line = L.geoJSON(f, {interactive: false, attribution: attribution,
                                 style: {color: "#8c8c8c", weight: 2.5, opacity: 0.9}});
        streets.addLayer(line);
        if (p.label) {
          streets.addLayer(L.tooltip({permanent: true, direction: "center",
                                      className: "gs-street-label", interactive: false})
            .setLatLng([p.label[1], p.label[0]]).setContent(p.name));
        }
      } else if (p.kind === "stop") {
        var m = L.marker([p.point[1], p.point[0]], {
          interactive: false, keyboard: false,
          icon: L.divIcon({className: "gs-stop", html: '<span aria-hidden="true">H</span>', iconSize: [16, 16], iconAnchor: [8, 8]})
        }).bindTooltip(p.name, {permanent: true, direction: "right", offset: [8, 0],
                                className: "gs-stop-label", interactive: false});
        stops.addLayer(m);
      }
    });
    streets.addTo(map);
    stops.addTo(map);
    var entry = GS.of(map);
    entry.addOverlay(streets, streetLabel, "streets");
    entry.addOverlay(stops, stopLabel, "stops");
    GS.zoomClasses(map);
  }

  /* Boundary versions: `initial` is {year} (those valid in it) or {ids, range} (those listed; in
     a period with a boundary change the outgoing one dashed, the incoming one solid). */
  function areaLayer(map, data, colours, S, initial, label) {
    var layers = {};
    var group = L.featureGroup().addTo(map);
    var byId = {};
    data.features.forEach(function (f) {
      var p = f.properties;
      byId[p.id] = p;
      var layer = L.geoJSON(f, {style: GS.areaStyle(p, colours, null)});
      layer.bindTooltip(GS.areaSummary(p, S), {sticky: true});
      nameShapes(layer, p.name + " (" + p.programme + "), " + S.valid + ": " + GS.formatDate(p.valid_from) +
                 " – " + (p.valid_to ? GS.formatDate(GS.lastDay(p.valid_to)) : S.open));
      layers[p.id] = layer;
    });
    var api = {
      layers: layers, group: group, visible: [], range: null,
      setYear: function (year) {
        var ids = data.features.filter(function (f) {
          return GS.versionInYear(f.properties, year);
        }).map(function (f) { return f.properties.id; });
        api.show(ids, [year + "-01-01", (year + 1) + "-01-01"]);
        return ids;
      },
      show: function (ids, range) {
        group.clearLayers();
        api.range = range || null;
        ids.forEach(function (id) {
          if (!layers[id]) { return; }
          layers[id].setStyle(GS.areaStyle(byId[id], colours, api.range));
          group.addLayer(layers[id]);
        });
        /* the incoming (solid) line on top of the outgoing (dashed) one */
        ids.forEach(function (id) {
          if (layers[id] && GS.areaRole(byId[id], api.range) === "incoming") {
            layers[id].bringToFront();
          }
        });
        api.visible = ids.slice();
        var entry = GS.of(map);
        if (entry.legendControl) { entry.legendControl.setAreas(api.legendItems()); }
        return ids;
      },
      legendItems: function () {
        return api.visible.map(function (id) {
          return GS.areaLegendItem(byId[id], colours, api.range, S);
        });
      },
      features: data.features
    };
    if (initial.year) { api.setYear(initial.year); } else { api.show(initial.ids, initial.range); }
    var entry = GS.of(map);
    entry.areas = api;
    entry.addOverlay(group, label, "areas");
  }

  /* Projects as category-coloured markers (clustered if opts.cluster) plus their shapes, with
     popups linking to opts.projectUrl ("__ID__" is the project's id) and a filter (opts.filter). */
  function projectLayer(map, data, colours, S, opts, label, shapesLabel) {
    var url = opts.projectUrl;
    var api;
    var cluster = opts.cluster && L.markerClusterGroup ? L.markerClusterGroup({
      showCoverageOnHover: false, maxClusterRadius: 40, zoomToBoundsOnClick: false,
      /* the click handler below decides; the plugin's own would spiderfy at max zoom */
      spiderfyOnMaxZoom: false,
      iconCreateFunction: function (c) { return GS.clusterIcon(c, colours, S, map); }
    }) : L.featureGroup();
    if (cluster.on && L.markerClusterGroup) {
      /* projects at one position (district-wide measures) open as one list, not a spider */
      cluster.on("clusterclick", function (e) {
        if (GS.sameSpot(e.layer, map)) {
          L.popup({maxWidth: GS.popupWidth(map), maxHeight: GS.popupHeight(map)})
            .setLatLng(e.layer.getLatLng())
            .setContent(GS.listPopup(e.layer.getAllChildMarkers().map(function (m) {
              return m.feature.properties; }), S, url, colours, null, api.year))
            .openOn(map);
        } else if (map.getZoom() >= map.getMaxZoom()) { e.layer.spiderfy(); }
        else { e.layer.zoomToBounds({padding: [24, 24]}); }
      });
    }
    var shapes = L.featureGroup();
    var markers = {};
    var shapeLayers = {};
    var spots = {};
    data.features.forEach(function (f) {
      var k = f.properties.lat + "," + f.properties.lon;
      (spots[k] = spots[k] || []).push(f.properties);
    });
    data.features.forEach(function (f) {
      var p = f.properties;
      var colour = colours[p.category] || "#333333";
      var marker = L.marker([p.lat, p.lon], {
        title: p.title, riseOnHover: true,
        icon: L.divIcon({className: "gs-pin", html: "", iconSize: [24, 24],
                         iconAnchor: [12, 12], popupAnchor: [0, -11]})
      });
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.style.background = colour; el.setAttribute("aria-label", p.title); }
      });
      marker.bindPopup(function () {
        var others = (spots[p.lat + "," + p.lon] || []).filter(function (q) { return q.id !== p.id; });
        return others.length ? GS.listPopup([p].concat(others), S, url, colours, p.id, api.year)
                             : GS.projectPopup(p, S, url, api.year);
      }, {maxWidth: GS.popupWidth(map), maxHeight: GS.popupHeight(map)});
      marker.feature = f;
      markers[p.id] = marker;
      if (f.geometry && f.geometry.type !== "Point") {
        shapeLayers[p.id] = nameShapes(L.geoJSON(f, {style: {color: colour, weight: 4, fillOpacity: 0.25}}), p.title)
          .bindPopup(function () {
            return GS.projectPopup(p, S, url, api.year);
          }, {maxWidth: GS.popupWidth(map), maxHeight: GS.popupHeight(map)});
      }
    });
    api = {
      markers: markers, cluster: cluster, visible: [], year: null,
      features: data.features,
      setFilter: function (filter) {
        api.year = filter && filter.year != null ? filter.year : null;
        var ids = data.features.filter(function (f) {
          return GS.projectMatches(f.properties, filter);
        }).map(function (f) { return f.properties.id; });
        cluster.clearLayers();
        shapes.clearLayers();
        if (cluster.addLayers) { cluster.addLayers(ids.map(function (id) { return markers[id]; })); }
        else { ids.forEach(function (id) { cluster.addLayer(markers[id]); }); }
        ids.forEach(function (id) { if (shapeLayers[id]) { shapes.addLayer(shapeLayers[id]); } });
        api.visible = ids;
        return ids;
      },
      show: function (id, keepView) {
        var marker = markers[id];
        if (!marker) { return; }
        var open = function () { marker.openPopup(); };
        var parent = cluster.getVisibleParent ? cluster.getVisibleParent(marker) : marker;
        if (keepView && (parent === marker || !cluster.getVisibleParent)) {
          /* a shared view: open the popup where it is, without panning the map */
          var popup = marker.getPopup(), pan = popup.options.autoPan;
          popup.options.autoPan = false;
          marker.openPopup();
          popup.options.autoPan = pan;
          return;
        }
        if (cluster.zoomToShowLayer) { cluster.zoomToShowLayer(marker, open); }
        else { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16)); open(); }
      }
    };
    shapes.addTo(map);
    cluster.addTo(map);
    api.setFilter(opts.filter);
    var entry = GS.of(map);
    entry.projects = api;
    entry.addOverlay(cluster, label, "projects");
    entry.addOverlay(shapes, shapesLabel, "project-shapes");
  }

  /* Added, removed and unchanged parts between two dates, each in its own colour. */
  function changeLayer(map, data, colours, labels) {
    var entry = GS.of(map);
    data.features.forEach(function (f) {
      var c = f.properties.change;
      var layer = L.geoJSON(f, {style: {
        color: colours[c], weight: c === "unchanged" ? 1.5 : 2.5, fillColor: colours[c],
        fillOpacity: c === "unchanged" ? 0.18 : 0.45,
        dashArray: c === "removed" ? "6 4" : null
      }}).addTo(map);
      layer.bindTooltip(labels[c] + ": " + f.properties.area_label, {sticky: true});
      nameShapes(layer, labels[c] + ": " + f.properties.area_label);
      entry.addOverlay(layer, labels[c], "change-" + c);
    });
  }

  /* Fact sheet: a click on the map fills the inside-check form (formId) and asks /locate. */
  function clickToCheck(map, formId) {
    var marker = null;
    function place(latlng) {
      if (marker) { map.removeLayer(marker); }
      marker = L.circleMarker(latlng, {radius: 7, color: "#111111", weight: 2,
                                       fillColor: "#ffd600", fillOpacity: 1}).addTo(map);
    }
    map.on("click", function (e) {
      place(e.latlng);
      GS.checkPoint(e.latlng.lng, e.latlng.lat, formId);
    });
    GS.of(map).checkMarker = function (lon, lat) {
      place([lat, lon]);
      if (!map.getBounds().contains(marker.getLatLng())) { map.panTo(marker.getLatLng()); }
    };
  }

  GS.nameShapes = nameShapes;
  GS.createMap = createMap;
  GS.contextLayer = contextLayer;
  GS.placeContext = placeContext;
  GS.areaLayer = areaLayer;
  GS.projectLayer = projectLayer;
  GS.changeLayer = changeLayer;
  GS.clickToCheck = clickToCheck;
})();
