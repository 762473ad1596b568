/* Home page: the year slider and filters drive the map (GS.main) and the list together. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var entry = window.GS && GS.main;
  if (!form || !entry || !entry.projects) { return; }
  var S = JSON.parse(document.getElementById("home-strings").textContent);
  var year = document.getElementById("year");
  var out = document.getElementById("year-out");
  var statusLine = document.getElementById("status-line");
  var list = document.getElementById("project-list");
  var nearList = document.getElementById("nearby-list");
  var total = entry.projects.features.length;
  var byId = {};
  entry.areas.features.forEach(function (f) { byId[f.properties.id] = f.properties; });

  function options() {
    var cats = Array.prototype.filter.call(form.elements.category, function (c) { return c.checked; })
      .map(function (c) { return c.value; });
    return {
      year: parseInt(year.value, 10),
      categories: cats,
      status: form.elements.status.value || null,
      q: form.elements.q.value.trim() || null
    };
  }

  function apply() {
    var opts = options();
    out.value = String(opts.year);
    GS.state.set({year: String(opts.year) === year.max ? null : opts.year});
    out.textContent = String(opts.year);
    var areaIds = entry.areas.setYear(opts.year);
    var ids = entry.projects.setFilter(opts);
    var visible = {};
    ids.forEach(function (id) { visible[id] = true; });
    if (list) {
      items().forEach(function (li) {
        li.hidden = !visible[li.getAttribute("data-id")];
        var st = li.querySelector(".year-status");
        if (st) {
          var p = {status: st.dataset.status, start_year: st.dataset.start ? parseInt(st.dataset.start, 10) : null,
                   end_year: st.dataset.end ? parseInt(st.dataset.end, 10) : null};
          var now = GS.statusInYear(p, opts.year);
          st.textContent = now === p.status ? GS.label(S, now) : GS.label(S, now) + " (" + opts.year + ")";
        }
      });
    }
    var dl = document.getElementById("downloads");
    if (dl) {
      dl.querySelector(".dl-label").textContent = dl.dataset.label.replace("{year}", opts.year);
      Array.prototype.forEach.call(dl.querySelectorAll("a"), function (a) {
        a.href = a.href.replace(/datetime=[^&]*/, "datetime=" + opts.year);
        var sr = a.querySelector(".sr-only");
        if (sr) { sr.textContent = " " + opts.year; }
      });
    }
    var shown = document.getElementById("print-shown");
    if (shown) { shown.textContent = shown.dataset.label.replace("{year}", opts.year); }
    var names = areaIds.map(function (id) {
      var p = byId[id], extra = "";
      /* in a year with a boundary change both versions count; say which part of the year */
      if (p.valid_from && p.valid_from.slice(0, 4) === String(opts.year)) {
        extra += ", " + S.from + " " + GS.formatDate(p.valid_from);
      }
      if (p.valid_to && p.valid_to.slice(0, 4) === String(opts.year)) {
        var last = new Date(p.valid_to + "T00:00:00Z");
        last.setUTCDate(last.getUTCDate() - 1);  /* valid_to is exclusive */
        extra += ", " + S.until + " " + GS.formatDate(last.toISOString().slice(0, 10));
      }
      return p.name + " (" + p.programme + extra + ")";
    });
    year.setAttribute("aria-valuetext", opts.year + ": " + (names.join(", ") || S.none));
    statusLine.textContent = S.shown.replace("{n}", ids.length).replace("{total}", total) + ". " +
      S.areas.replace("{year}", opts.year) + " " + (names.join(", ") || S.none) + ".";
  }

  function items() {
    var out = Array.prototype.slice.call(list.children);
    return nearList ? Array.prototype.slice.call(nearList.children).concat(out) : out;
  }

  /* A place was picked or located (answer.js): the projects within 500 m come first, nearest
     first, each with its distance; the others stay in their alphabetical order below. */
  function showNearby(place) {
    if (!list || !nearList) { return; }
    var all = items().sort(function (a, b) { return a.dataset.order - b.dataset.order; });
    all.forEach(function (li) {
      var d = li.querySelector(".nearby-distance");
      if (d) { d.parentNode.removeChild(d); }
      list.appendChild(li);
    });
    var byId = {};
    all.forEach(function (li) { byId[li.getAttribute("data-id")] = li; });
    place.nearby.forEach(function (n) {
      var li = byId[n.id];
      if (!li) { return; }
      var meta = li.querySelector(".meta");
      var d = GS.el("span", "nearby-distance", S.away.replace("{distance}", GS.metres(n.distance)));
      meta.insertBefore(d, meta.firstChild);
      nearList.appendChild(li);
    });
    var head = document.getElementById("nearby-head"), others = document.getElementById("others-head");
    head.textContent = S.nearby_head.replace("{name}", place.name) + " (" + place.nearby.length + ")";
    head.hidden = nearList.hidden = others.hidden = !place.nearby.length;
  }
  window.addEventListener("gs:place", function (e) { showNearby(e.detail); });

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  [list, nearList].forEach(function (ul) {
    if (!ul) { return; }
    ul.addEventListener("click", function (e) {
      var button = e.target.closest("button.show-on-map");
      if (!button) { return; }
      entry.map.getContainer().scrollIntoView({block: "center"});
      entry.projects.show(button.getAttribute("data-id"));
    });
  });
  window.gsHome = {apply: apply, options: options};
  var more = document.getElementById("more-filters");
  if (more && window.innerWidth > 700) { more.open = true; }
  function sharedYear(shared) {  /* a shared link restores the year */
    year.value = shared.year && /^\d{4}$/.test(shared.year) ? shared.year : year.max;
  }
  sharedYear(GS.state.read());
  apply();
  /* a link's # changed in the open tab: its year (geoservice.js follows view, hit and project) */
  window.addEventListener("gs:hash", function (e) { sharedYear(e.detail); apply(); });
})();
