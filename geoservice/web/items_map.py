"""Template globals of the API's HTML pages drawn by the map code: the map of an items page
(`items_map`, api/items.html) and the visual timeline (`timeline_chart`, api/timeline.html)."""

from __future__ import annotations

from flask import g
from markupsafe import Markup

from geoservice import cache, http
from geoservice.domain import clock
from geoservice.http import _
from geoservice.web import strings
from geoservice.web.display import fmt_date, fmt_number, fmt_until, item_href, link, years_text
from geoservice.web.pages import _maps, _places, _static_url, _tiles, change_years


def items_map(spec, rows) -> dict[str, Markup]:
    """Return the map of one page of a collection's items (template global of api/items.html).

    The map holds exactly the rows of the page's table (the same filter, sort and paging), each
    with a popup linking to its item page; reconstructed boundaries carry the notice. The map
    itself is built once per collection, language and base URL (maps.MapShell); the page's
    features, legend and view are filled in.
    """
    from geoservice.domain.schema import FUNDING_AREAS

    data = http.dataset()
    maps = _maps()
    lang = g.lang
    features, legend = [], {}
    item_url = item_href(spec)

    def feature(fid, geometry, colour: str, kind: str, title: str, popup: list, **extra) -> dict:
        url = item_url(fid)
        return {"type": "Feature", "geometry": geometry, "properties": {
            "id": str(fid), "title": title, "url": url, "colour": colour, "kind": kind,
            "rows": popup, **extra}}

    if spec is FUNDING_AREAS:
        colours = maps.area_colours(data)
        accuracy = rows["accuracy"].tolist()
        reconstructed = "reconstructed" in accuracy
        for fid, geom, name, area_id, programme, start, end, hectares, acc in zip(
                rows.index, rows.geometry, rows["name"], rows["area_id"], rows["programme"],
                rows["valid_from"], rows["valid_to"], rows["area_ha"], accuracy, strict=True):
            is_rec = acc == "reconstructed"
            until = fmt_until(end, lang)
            colour = colours.get(area_id, "#333333")
            # a boundary's rounded GeoJSON, once per snapshot (thousands of vertices)
            shape = data.memo(("maps", "item-geometry", spec.name, fid), lambda geom=geom: maps._geometry(geom))
            features.append(feature(fid, shape, colour, "area", f"{name} ({fid})", [
                [_("Programm"), programme],
                [_("Gültig"), f"{fmt_date(start, lang)} – {until}"],
                [_("Fläche"), f"{fmt_number(hectares, lang)} ha"],
                [_("Genauigkeit"), _("schematische Rekonstruktion") if is_rec
                 else _("amtliche Grenze")]], reconstructed=bool(is_rec)))
            legend[name] = {"label": str(name), "colour": colour, "kind": "area"}
        bounds = rows.total_bounds if len(rows) else data.funding_areas.total_bounds
    else:
        reconstructed = False
        colours = maps.category_colours(data)
        xs, ys = [], []
        for fid, geom, title, category, status, start, end in zip(
                rows.index, rows.geometry, rows["title"], rows["category"], rows["status"],
                rows["start_year"], rows["end_year"], strict=True):
            rep = geom if geom.geom_type == "Point" else geom.representative_point()
            x, y = round(rep.x, 6), round(rep.y, 6)
            xs.append(x)
            ys.append(y)
            colour = colours.get(category, "#333333")
            features.append(feature(fid, {"type": "Point", "coordinates": [x, y]}, colour, "marker",
                                    str(title), [
                                        [_("Jahre"), years_text(start, end)],
                                        [_("Status"), strings.value_label(status, lang)],
                                        [_("Kategorie"), strings.value_label(category, lang)]]))
            legend[category] = {"label": strings.value_label(category, lang), "colour": colour,
                                "kind": "marker"}
        bounds = ((min(xs), min(ys), max(xs), max(ys)) if xs
                  else data.funding_areas.total_bounds)

    shell = cache.memo(data, ("maps", "items-shell", spec.name, reconstructed), lambda: (
        maps.items_map_shell(data, _static_url(), _tiles(), reconstructed, _, link("/areas"), {
            "open": _("Objekt öffnen"),
            "reconstructed": _("Schematische Rekonstruktion, nicht die rechtsverbindliche Grenze."),
        }, places=_places())), query=False)
    parts = shell.fill(items={"type": "FeatureCollection", "features": features},
                       legend=list(legend.values()), **maps.items_view(bounds))
    return {k: Markup(v) for k, v in parts.items()}


def timeline_chart(milestones) -> dict:
    """Return the visual timeline of /timeline (template global of api/timeline.html)."""
    from geoservice.web import timeline

    data = http.dataset()
    today = clock.today()
    return timeline.build(data, list(milestones), g.lang, today, link, _maps().area_colours(data),
                          change_years(data.funding_areas, today.year), _)
