"""Which licence covers which part of the published data, and the attribution to give.

What each collection derives from is documented in geodata/README.md and geodata/sources/SOURCE.md;
this module says no more than they do. Texts are German (the data's language); the HTTP layer
translates the titles through `_()` (api/strings.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    """One licence and what of this service's data it covers."""

    key: str
    url: str
    name: str
    covers: str  # German: which data of this service it applies to


ODBL = Licence(
    "odbl", "https://opendatacommons.org/licenses/odbl/1-0/",
    "Open Database License (ODbL) 1.0",
    "aus OpenStreetMap abgeleitete Geometrie (© OpenStreetMap-Mitwirkende)")
DL_DE_BY = Licence(
    "dl-de-by-2.0", "https://www.govdata.de/dl-de/by-2-0",
    "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "Wahlbezirke der Landeshauptstadt Dresden als Grundlage der Gebietsgrenzen "
    "(Lizenz laut Open-Data-Praxis der Stadt angenommen, nicht bestätigt)")
CC_BY_SA = Licence(
    "cc-by-sa-3.0", "https://creativecommons.org/licenses/by-sa/3.0/",
    "Creative Commons BY-SA 3.0",
    "zwei Projektstandorte nach Wikipedia-Koordinaten (Schloss Prohlis)")

# What each collection's data derives from (geodata/README.md "Sources and licences"):
# funding areas: election-district polygons of the city, cut along OSM street lines;
# projects: points on OSM street lines and OSM stops, geocoded addresses (Afeefa, no licence
# stated) and two Wikipedia coordinates.
BY_COLLECTION: dict[str, tuple[Licence, ...]] = {
    "funding-areas": (ODBL, DL_DE_BY),
    "projects": (ODBL, CC_BY_SA),
}
ALL = (ODBL, DL_DE_BY, CC_BY_SA)

ATTRIBUTION = {
    "funding-areas": (
        "Fördergebiete Prohlis / Am Koitschgraben, schematisch rekonstruiert (keine amtliche "
        "Grenze). Grundlage: Wahlbezirke © Landeshauptstadt Dresden (dl-de/by-2-0, angenommen); "
        "Schnittlinien © OpenStreetMap-Mitwirkende (ODbL 1.0). Methode und Quellen: "
        "geodata/README.md."),
    "projects": (
        "Projekte im Fördergebiet Prohlis / Am Koitschgraben, Standorte genähert. Standorte "
        "teils © OpenStreetMap-Mitwirkende (ODbL 1.0), teils Wikipedia (CC BY-SA 3.0), teils "
        "geokodierte Adressen der Datensammlung Afeefa Dresden (ohne angegebene Lizenz). "
        "Quellen je Objekt im Feld source; Methode: geodata/README.md."),
}


def of(collection: str | None) -> tuple[Licence, ...]:
    """Return the licences of one collection, or of the whole service (None)."""
    return ALL if collection is None else BY_COLLECTION[collection]
