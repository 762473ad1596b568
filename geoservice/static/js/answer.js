/* The answer at the map: after a search hit with a point, or "Meinen Standort zeigen", a badge on
   the map says whether the place lies in a funding area today (which one, since when; /inside
   answers) and how many projects lie within 500 m; a live region reads it out. The page hears of
   the place through the window event "gs:place" (home.js puts the nearby projects first).
   Needs geoservice.js and controls.js (window.GS). Data text is only ever set with textContent. */
(function () {
  "use strict";

  var el = GS.el;
  var RADIUS_M = 500;

  function locale() { return document.documentElement.lang === "de" ? "de-DE" : "en-GB"; }

  /* A distance as precise as the data: to 10 m, in the page's number format ("1.230 m"). */
  function metres(d) {
    return (Math.round(d / 10) * 10).toLocaleString(locale()) + " m";
  }

  /* The projects within RADIUS_M of the place, nearest first: [{id, title, distance}]. */
  function nearby(entry, lat, lon) {
    if (!entry.projects) { return []; }
    var here = L.latLng(lat, lon), out = [];
    entry.projects.features.forEach(function (f) {
      var p = f.properties;
      if (p.lat == null || p.lon == null) { return; }
      var d = here.distanceTo([p.lat, p.lon]);
      if (d <= RADIUS_M) { out.push({id: p.id, title: p.title, distance: d}); }
    });
    out.sort(function (a, b) { return a.distance - b.distance; });
    return out;
  }

  /* ---- the located position: answered here, from the areas already on the map, so it never
     leaves the browser (the same rules as domain/places.py: versions in force today, the span
     without a break, the distance to the nearest boundary to 10 m) */

  function ringContains(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }

  function polygons(geometry) {
    return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  }

  function covers(geometry, lon, lat) {
    return polygons(geometry).some(function (rings) {
      return ringContains(rings[0], lon, lat) &&
        !rings.slice(1).some(function (hole) { return ringContains(hole, lon, lat); });
    });
  }

  /* metres from the point to the nearest edge (a local flat projection: exact enough at 10 m) */
  function edgeDistance(geometry, lon, lat) {
    var kx = 111320 * Math.cos(lat * Math.PI / 180), ky = 110540, best = Infinity;
    polygons(geometry).forEach(function (rings) {
      rings.forEach(function (ring) {
        for (var i = 1; i < ring.length; i++) {
          var ax = (ring[i - 1][0] - lon) * kx, ay = (ring[i - 1][1] - lat) * ky;
          var bx = (ring[i][0] - lon) * kx, by = (ring[i][1] - lat) * ky;
          var dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
          var s = len ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len)) : 0;
          best = Math.min(best, Math.hypot(ax + s * dx, ay + s * dy));
        }
      });
    });
    return best;
  }

  function localAnswer(entry, S, lon, lat) {
    var today = new Date().toISOString().slice(0, 10);
    var features = entry.areas ? entry.areas.features : [];
    function inForce(p) { return (!p.valid_from || p.valid_from <= today) && (!p.valid_to || today < p.valid_to); }
    var answers = features.filter(function (f) { return inForce(f.properties); }).map(function (f) {
      var d = edgeDistance(f.geometry, lon, lat);
      return {name: f.properties.name, programme: f.properties.programme, inside: covers(f.geometry, lon, lat),
              distance_m: Math.round(d / 10) * 10, near_boundary: d < 30};
    }).sort(function (a, b) { return (b.inside - a.inside) || (a.distance_m - b.distance_m); });
    /* the stretches in which the point lay inside some version, merged where they touch */
    var spans = [];
    features.filter(function (f) { return covers(f.geometry, lon, lat); })
      .map(function (f) { return [f.properties.valid_from || "", f.properties.valid_to || "9999-12-31"]; })
      .sort().forEach(function (s) {
        var last = spans[spans.length - 1];
        if (last && s[0] <= last[1]) { last[1] = s[1] > last[1] ? s[1] : last[1]; } else { spans.push(s.slice()); }
      });
    var inside = answers.some(function (a) { return a.inside; }), span = S.span_never;
    spans.forEach(function (s) {
      if (s[0] <= today && today < s[1]) {
        span = S.span_since.replace("{since}", s[0] ? GS.formatDate(s[0]) : S.span_start);
      } else if (s[1] <= today && !inside) {
        span = S.span_last.replace("{until}", GS.formatDate(GS.lastDay(s[1])));
      }
    });
    return {inside: inside, answers: answers, text: [span]};
  }

  function answerBadge(entry, S, insideUrl) {
    var map = entry.map, box = null, seq = 0;
    GS.control(map, "bottomleft", "gs-answer", function (div) { box = div; div.hidden = true; });
    /* the live region is outside the (hidden while empty) badge, so it is always in the page */
    var live = el("p", "gs-sr");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.id = map.getContainer().id + "-answer-live";
    map.getContainer().parentNode.insertBefore(live, map.getContainer().nextSibling);

    function clear() {
      seq += 1;
      box.hidden = true;
      box.textContent = "";
      live.textContent = "";
    }

    function start(name) {
      box.hidden = false;
      box.textContent = "";
      box.classList.remove("gs-answer-inside", "gs-answer-outside");
      var close = el("button", "gs-answer-close", "×", box);
      close.type = "button";
      close.title = S.close;
      close.setAttribute("aria-label", S.close);
      close.addEventListener("click", function () {
        clear();
        map.getContainer().focus();
      });
      el("p", "gs-answer-place", name, box);
    }

    /* A message instead of an answer (checking, failed, location unavailable). */
    function message(name, text) {
      seq += 1;
      start(name);
      el("p", "gs-answer-text", text, box);
      live.textContent = text;
    }

    function nearbyLine(near) {
      var text = near.length === 1 ? S.nearby_one : S.nearby.replace("{n}", near.length.toLocaleString(locale()));
      if (!near.length) { text = S.nearby_none; }
      var list = document.getElementById("project-list");
      var p = el("p", "gs-answer-nearby", null, box);
      if (near.length && list) {
        var b = el("button", "gs-link-button", text, p);
        b.type = "button";
        b.addEventListener("click", function () {
          var head = document.getElementById("nearby-head") || list;
          head.scrollIntoView({block: "start"});
          head.focus({preventScroll: true});
        });
      } else {
        p.textContent = text;
      }
      return text;
    }

    function render(body, name, near, lon, lat) {
      start(name);
      var head, inside = body.answers.filter(function (a) { return a.inside; });
      if (inside.length) {
        head = S.inside.replace("{names}", inside.map(function (a) {
          return a.name + " (" + a.programme + ")";
        }).join(", "));
      } else {
        head = S.outside;
      }
      box.classList.add(body.inside ? "gs-answer-inside" : "gs-answer-outside");
      el("p", "gs-answer-head", head, box);
      var said = [name + ": " + head];
      if (!body.inside && body.answers.length) {
        var a = body.answers[0];  /* the nearest area in force today */
        var line = a.near_boundary ? S.at_boundary.replace("{name}", a.name)
          : S.nearest.replace("{distance}", metres(a.distance_m)).replace("{name}", a.name);
        el("p", "gs-answer-text", line, box);
        said.push(line);
      }
      var span = body.text[body.text.length - 1];
      el("p", "gs-answer-text", span, box);
      said.push(span);
      said.push(nearbyLine(near));
      if (lon != null) {  /* not for the located position: it stays in the browser */
        var more = el("a", "gs-answer-more", S.details, box);
        more.href = insideUrl + "?f=html&lon=" + lon.toFixed(6) + "&lat=" + lat.toFixed(6) +
          "&lang=" + encodeURIComponent(document.documentElement.lang);
      }
      live.textContent = said.join(" ");
      /* on a small screen the answer may start below the fold: bring the map's foot into view */
      var b = box.getBoundingClientRect();
      if (b.bottom > window.innerHeight && b.top > 0) { map.getContainer().scrollIntoView({block: "end"}); }
    }

    /* Ask /inside for today's answer at [lon, lat] and show it at the map; a private place (the
       located position) is answered here, from the areas on the map, and sent nowhere. */
    function ask(lon, lat, name, private_) {
      message(name, S.checking);
      var mine = seq;
      var near = nearby(entry, lat, lon);
      window.dispatchEvent(new CustomEvent("gs:place", {detail: {lon: lon, lat: lat, name: name, nearby: near}}));
      if (private_) { render(localAnswer(entry, S, lon, lat), name, near, null, null); return; }
      var url = insideUrl + "?f=json&lon=" + encodeURIComponent(lon.toFixed(7)) + "&lat=" +
        encodeURIComponent(lat.toFixed(7)) + "&lang=" + encodeURIComponent(document.documentElement.lang);
      fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body && body.description ? body.description : String(r.status)); }
          return body;
        });
      }).then(function (body) {
        if (mine === seq) { render(body, name, near, lon, lat); }
      }).catch(function (err) {
        if (mine === seq) { message(name, S.failed.replace("{reason}", err.message)); }
      });
    }

    entry.answer = {ask: ask, clear: clear, message: message, element: function () { return box; }};
    return entry.answer;
  }

  GS.answerBadge = answerBadge;
  GS.metres = metres;
  GS.NEARBY_M = RADIUS_M;
})();
