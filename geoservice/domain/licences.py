"""The licences of the published data and what each covers.

What each collection derives from is documented in geodata/README.md and geodata/sources/SOURCE.md;
this module says no more than they do. Which licences cover a collection, and its attribution,
are facts of its spec (domain/schema.py: `licences`, `attribution`). Texts are German (the
data's language); the HTTP layer translates the titles through `_()` (api/strings.py).
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
    dcat_ap_de: str = ""  # its URI in the DCAT-AP.de licence vocabulary (dcat-ap.de/def/licenses)


ODBL = Licence(
    "odbl", "https://opendatacommons.org/licenses/odbl/1-0/",
    "Open Database License (ODbL) 1.0",
    "aus OpenStreetMap abgeleitete Geometrie (© OpenStreetMap-Mitwirkende)",
    "http://dcat-ap.de/def/licenses/odbl")
DL_DE_BY = Licence(
    "dl-de-by-2.0", "https://www.govdata.de/dl-de/by-2-0",
    "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "Wahlbezirke der Landeshauptstadt Dresden als Grundlage der Gebietsgrenzen "
    "(Lizenz laut Open-Data-Praxis der Stadt angenommen, nicht bestätigt)",
    "http://dcat-ap.de/def/licenses/dl-by-de/2.0")
CC_BY_SA = Licence(
    "cc-by-sa-3.0", "https://creativecommons.org/licenses/by-sa/3.0/",
    "Creative Commons BY-SA 3.0",
    "zwei Projektstandorte nach Wikipedia-Koordinaten (Schloss Prohlis)",
    "http://dcat-ap.de/def/licenses/cc-by-sa")  # the vocabulary has no unported 3.0 entry
