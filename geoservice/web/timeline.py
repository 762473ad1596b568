"""The visual timeline of /timeline: years 2000 to today on one axis, boundary versions as bars
over their validity, milestones placed at their dates, change years marked.

Honest precision: a milestone known to the year is drawn over that whole year and written as the
year ("2004"), one known to the month over that month ("Juli 2004"); only a day is a point with a
full date. Everything the chart shows is also in the ordered list under it (the accessible form).
Milestones link to the area they concern (/areas/{id}?datetime= at their precision) and to the
projects whose name they mention and that ran in that year.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import quote

from geoservice.web.display import fmt_date, fmt_known, fmt_until

FIRST_YEAR = 2000
KINDS = ("decision", "programme", "office", "project")
_WORD = re.compile(r"[\wÄÖÜäöüß+]+")


def _period(entry: dict) -> tuple[date, date, str]:
    """Return [start, end) of a milestone at its precision and the datetime value naming it."""
    day = date.fromisoformat(entry["date"])
    precision = entry.get("date_precision") or "day"
    if precision == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1), f"{day.year}"
    if precision == "month":
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return date(day.year, day.month, 1), nxt, f"{day.year}-{day.month:02d}"
    return day, day + timedelta(days=1), day.isoformat()


def date_label(entry: dict, lang: str) -> str:
    """Write a milestone's date no more precisely than it is known."""
    return fmt_known(entry["date"], entry.get("date_precision") or "day", lang)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(str(text or "")) if len(w) >= 4}


def _ran_in(project, year: int) -> bool:
    """Did the project run (or is it of unknown years) in `year`? Finished ones end with end_year,
    or with their start year when no end year is known."""
    start, end, status = project["start_year"], project["end_year"], project["status"]
    if start is None and end is None:
        return True
    if start is not None and year < start:
        return False
    if end is not None:
        return year <= end
    return status != "abgeschlossen" or year == start


def related_projects(projects, entry: dict) -> list[tuple[str, str]]:
    """Return (id, title) of the projects a milestone mentions by a distinctive word of their
    title, that ran in its year and lie in its area (when it names one)."""
    counts = Counter(w for title in projects["title"] for w in _words(title))
    common = {w for w, n in counts.items() if n >= 3}  # "Prohlis", "Straße", ...
    wanted = _words(entry.get("title")) - common
    if not wanted:
        return []
    year = int(entry["date"][:4])
    area = entry.get("area_id")
    out = []
    for fid, row in projects.sort_values("title").iterrows():
        if not wanted & _words(row["title"]) or not _ran_in(row, year):
            continue
        if area and area != "prohlis-am-koitschgraben" and row.get("area_id") not in (None, area):
            continue
        out.append((str(fid), str(row["title"])))
    return out


def _pack(items: list[dict], gap: float) -> int:
    """Give each item a `row` so that items of one lane never overlap; return the row count."""
    ends: list[float] = []
    for item in sorted(items, key=lambda i: i["left"]):
        for row, end in enumerate(ends):
            if item["left"] >= end + gap:
                ends[row] = item["left"] + max(item["width"], 0)
                item["row"] = row
                break
        else:
            item["row"] = len(ends)
            ends.append(item["left"] + max(item["width"], 0))
    return max(len(ends), 1)


def build(data, milestones, lang: str, today: date, link, area_colours: dict[str, str],
          change_years: list[int], translate) -> dict:
    """Return the chart and the list of the timeline page."""
    _ = translate
    first, after = date(FIRST_YEAR, 1, 1), date(today.year + 1, 1, 1)
    span = (after - first).days

    def pos(day: date) -> float:
        return round(max(0.0, min(100.0, (day - first).days / span * 100)), 3)

    def area_link(area_id: str, when: str) -> str:
        return link(f"/areas/{quote(area_id, safe='')}") + f"?datetime={quote(when)}"

    areas = data.funding_areas.sort_values(["valid_from", "area_id"], kind="stable")
    names = dict(zip(areas["area_id"], areas["name"], strict=True))
    area_lanes = []
    for area_id in dict.fromkeys(areas["area_id"]):
        bars = []
        for _fid, v in areas[areas["area_id"] == area_id].iterrows():
            end = v["valid_to"] or today
            bars.append({
                "id": v["id"], "left": pos(v["valid_from"]),
                "width": round(pos(end) - pos(v["valid_from"]), 3), "colour": area_colours.get(area_id, "#333"),
                "text": f"{v['name']} ({v['programme']}): {fmt_date(v['valid_from'], lang)} – "
                        + fmt_until(v["valid_to"], lang),
                "reconstructed": v["accuracy"] == "reconstructed",
                "href": area_link(area_id, v["valid_from"].isoformat()),
            })
        rows = _pack(bars, 0.0)
        area_lanes.append({"label": names[area_id], "bars": bars, "rows": rows})

    kind_labels = {"decision": _("Beschlüsse"), "programme": _("Programm"), "office": _("Quartiersbüros"),
                   "project": _("Projekte")}
    events, before = [], []
    for number, entry in enumerate(milestones):
        start, end, when = _period(entry)
        precision = entry.get("date_precision") or "day"
        item = {
            "anchor": f"ev-{number + 1}", "entry": entry, "precision": precision,
            "date_label": date_label(entry, lang), "datetime": when, "year": start.year,
            "area_href": area_link(entry["area_id"], when) if entry.get("area_id") else None,
            "area_name": names.get(entry.get("area_id")) if entry.get("area_id") else None,
            "projects": [(fid, title, link(f"/collections/projects/items/{quote(fid, safe='')}"))
                         for fid, title in related_projects(data.projects, entry)],
        }
        if end <= first:
            before.append(item)
            continue
        item["left"] = pos(start)
        item["width"] = 0.0 if precision == "day" else round(pos(end) - pos(start), 3)
        events.append(item)
    event_lanes = []
    for kind in KINDS + tuple(k for k in dict.fromkeys(e["entry"].get("kind") for e in events)
                              if k not in KINDS):
        lane = [e for e in events if e["entry"].get("kind") == kind]
        if lane:
            rows = _pack(lane, 1.2)
            event_lanes.append({"label": kind_labels.get(kind, kind), "events": lane, "rows": rows})
    years = [{"year": y, "left": pos(date(y, 1, 1)), "change": y in change_years,
              "width": round(pos(date(y + 1, 1, 1)) - pos(date(y, 1, 1)), 3)}
             for y in range(FIRST_YEAR, today.year + 1)]
    by_year: dict[int, list[dict]] = {}
    for item in events:
        by_year.setdefault(item["year"], []).append(item)
    return {"years": years, "area_lanes": area_lanes, "event_lanes": event_lanes,
            "by_year": sorted(by_year.items()), "before": before, "change_years": change_years,
            "today": pos(today), "first": FIRST_YEAR, "last": today.year}
