"""Funding-area versions and focus areas (geodata/sources/area_versions.json) and the checkpoints
(geodata/sources/checkpoints.json)."""

from __future__ import annotations

import csv
import io

from .geometry import ha, lonlat
from .output import feature
from .reconstruct import KL_RADIUS
from .sources import Addr, cite, data
from .wording import public

AREA_PROPS = ("id", "area_id", "name", "programme", "valid_from", "valid_to", "published_area_ha", "decision")


def _texts() -> dict:
    """The named text blocks of area_versions.json, with the reconstruction's parameters filled in."""
    return {k: v.format(kl_radius_m=KL_RADIUS) for k, v in data("area_versions")["texts"].items()}


def _version(entry: dict, geo: dict, texts: dict) -> dict:
    v = dict(entry)
    v["geom"] = geo[entry["geometry"]]
    v["method"] = entry["method"].format_map(texts)
    v["note"] = entry["note"].format_map(texts) if entry.get("note") else None
    v["source"] = cite(entry["source"])
    return v


def funding_features(geo: dict) -> tuple[list[dict], list[dict]]:
    """The versions and the focus areas with their metric geometries ("geom")."""
    doc, texts = data("area_versions"), _texts()
    versions = [_version(v, geo, texts) for v in doc["versions"]]
    common = doc["focus_areas"]["common"]
    focus = [_version({**part, **common}, geo, texts) for part in doc["focus_areas"]["parts"]]
    return versions, focus


def to_feature(d: dict, extra=()):
    props = {k: d[k] for k in AREA_PROPS}
    props.update(
        area_ha=ha(d["geom"]),
        accuracy="reconstructed",
        method=public(d["method"]),
        source=public(" ; ".join(d["source"])),
        note=public(d["note"]),
    )
    for k in extra:
        props[k] = d[k]
    return feature(d["id"], props, lonlat(d["geom"], multi=True))


def checkpoints_csv(addr: Addr) -> str:
    """checkpoints.csv: real places the sources put inside an area, and the features they must lie in."""
    doc = data("checkpoints")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "lat", "lon", "must_be_in", "source"])
    for cp in doc["checkpoints"]:
        r, lon, lat = addr.get(cp["address"])
        w.writerow([r["name"], f"{lat:.7f}", f"{lon:.7f}", "|".join(doc["groups"][cp["must_be_in"]]), r["source"]])
    return buf.getvalue()
