"""The timeline (geodata/sources/milestones.json) and the Stadtteile context layer."""

from __future__ import annotations

from .geometry import clean, lonlat, to_m
from .output import feature
from .sources import cite, data

TIMELINE_FIELDS = ("date", "date_precision", "title", "description", "kind", "area_id")


def timeline_entries() -> list[dict]:
    """The milestones sorted by date and title, their sources resolved and joined with ' ; '."""
    entries = sorted(data("milestones"), key=lambda e: (e["date"], e["title"]))
    return [{**{k: e[k] for k in TIMELINE_FIELDS}, "source": " ; ".join(cite(e["source"]))} for e in entries]


def timeline_features() -> list:
    return [feature(f"{e['date']}-{e['title']}", e) for e in timeline_entries()]


def stadtteile_features(st) -> list:
    """OSM Stadtteile 71-77, simplified with a 5 m tolerance."""
    citations = data("citations")
    out = []
    for _, r in st.sort_values("ref").iterrows():
        g = clean(to_m(r.geometry).simplify(5.0, preserve_topology=True))
        props = {
            "name": r["name"],
            "ref": str(r["ref"]),
            "source": citations["STADTTEILE"].format(osm_id=r["@id"]),
            "attribution": citations["OSM_ATTRIBUTION"],
        }
        out.append(feature(f"stadtteil-{r['ref']}", props, lonlat(g)))
    return out
