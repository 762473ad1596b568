"""The reconstruction of the funding areas in EPSG:25833 (method: geodata/README.md).

Base polygons are the election districts of the Kommunalwahl 2019 (k19); the Landtagswahl 2024
layer (l24) only frames the Karl-Laux block. Districts are cut along OSM street lines whose end
segments are extended straight, keeping the piece that holds a named reference point.
"""

from __future__ import annotations

from shapely.ops import split, unary_union

from .geometry import clean, extend, ha, polys_only, pt, side
from .sources import Addr, Streets

KL_RADIUS = 115.0  # m, chosen so that the extension matches the published 5.5 ha (see README)
REFERENCE_POINTS = {  # key: name prefix in addresses.csv
    "vetschauer14": "Vetschauer Straße 14",
    "windmuehlen": "Windmühlenstraße (OSM way 4315225",
    "langerweg4": "Langer Weg 4",
    "kl5a": "Karl-Laux-Straße 5, 01219 Dresden (SPIKE",
    "kl5b": "Karl-Laux-Straße 5, 01219 Dresden (school",
    "klstop": "DVB stop 'Karl-Laux-Straße'",
    "lohrmann20": "Lohrmannstraße 20",
}


def reconstruct(k19, l24, streets: Streets, addr: Addr) -> dict:
    """Build the focus areas, the Karl-Laux extension and the joint versions; parts_ha for the report."""
    ref = {}
    for key, prefix in REFERENCE_POINTS.items():
        _, lon, lat = addr.get(prefix)
        ref[key] = pt(lon, lat)

    # --- Schwerpunkt Prohlis
    d7172 = unary_union([g for wb, g in k19.items() if wb.startswith(("71", "72"))])
    niedersedlitzer = extend(streets.longest("Niedersedlitzer Straße"), 800)
    reick_w = side(k19["77300"], niedersedlitzer, ref["vetschauer14"])  # 77300 west of Niedersedlitzer Str.
    reick_e = k19["77300"].difference(reick_w)
    allee = extend(streets.longest("Prohliser Allee"), 1500)
    reick_e_south = side(reick_e, allee, ref["langerweg4"])  # Langer Weg corner, south-east of the Allee axis
    windm_line = streets.longest("Windmühlenstraße")
    windm = extend(windm_line, 800)
    # keep the part(s) of 73300 nearest to Prohlis-Süd (district 72300), i.e. north of Windmühlenstraße
    stern_ref = k19["72300"].representative_point()
    parts = split(k19["73300"], windm).geoms
    north = [p for p in parts if p.distance(stern_ref) == min(q.distance(stern_ref) for q in parts)]
    sternhaus = unary_union(north).union(k19["73300"].intersection(windm_line.buffer(20)))
    prohlis = clean(unary_union([d7172, reick_w, reick_e_south, sternhaus]))

    # --- Wohngebiet Am Koitschgraben (2000 part) and Karl-Laux extension (2004)
    ak2000 = clean(unary_union([k19["76700"], k19["76600"], k19["75300"]]).difference(prohlis))
    kl_block = polys_only(k19["75100"].intersection(l24["75300"]))
    kl_core = unary_union([ref["kl5a"], ref["kl5b"], ref["klstop"]]).convex_hull.buffer(KL_RADIUS)
    kl_ext = clean(kl_block.intersection(kl_core).difference(prohlis).difference(ak2000))
    ak_focus = clean(unary_union([ak2000, kl_ext]))

    # --- Zwischengebiet: Altreick / Reick between the two
    zw = clean(unary_union([k19["77200"], k19["77100"]]).difference(prohlis).difference(ak_focus))

    # --- Am Koitschgraben after 2016: focus area + Plattenbau part of 77100 north of Lehmannstraße
    lehmann = extend(streets.longest("Lehmannstraße"), 1000)
    reick_plattenbau = side(k19["77100"], lehmann, ref["lohrmann20"])
    ak2016 = clean(unary_union([ak_focus, reick_plattenbau]).difference(prohlis))

    return {
        "prohlis": prohlis,
        "ak2000": ak2000,
        "kl_ext": kl_ext,
        "ak_focus": ak_focus,
        "zw": zw,
        "ak2016": ak2016,
        # the joint area: 2000 without, 2004 with the Karl-Laux extension
        "joint2000": clean(unary_union([prohlis, zw, ak2000])),
        "joint2004": clean(unary_union([prohlis, zw, ak_focus])),
        "parts_ha": {
            "Wahlbezirke 71xxx+72xxx": ha(d7172),
            "77300 westlich Niedersedlitzer Str.": ha(reick_w),
            "77300 oestlich Niedersedlitzer Str., suedoestlich Achse Prohliser Allee": ha(reick_e_south),
            "73300 noerdlich Windmuehlenstr. (+20 m Strassenkorridor)": ha(polys_only(sternhaus)),
            "Karl-Laux-Block (K2019 75100 ∩ L2024 75300)": ha(kl_block),
            "77100 noerdlich Lehmannstr.": ha(reick_plattenbau),
        },
    }
