"""The form of a collection's description (CollectionSpec); domain/schema.py holds the collections."""

from __future__ import annotations

from dataclasses import dataclass, field

from geoservice.domain.licences import Licence

# Time models of a collection's `time_fields`: ISO days of a validity [from, to), or whole years
# (a project's rule: timeutil.project_days, the JSON-FG time of api/jsonfg.py).
DAYS, YEARS = "days", "years"
# Rules of derived fields (CollectionSpec.derived; applied by domain/derived.py): a value that
# follows from the feature's location (a value sent is ignored), or its area in hectares when empty.
AREA_AT_LOCATION, HECTARES = "area at location", "hectares"


@dataclass(frozen=True)
class Reference:
    """A field whose values must be values of a field of another collection (checked on load)."""

    field: str
    collection: str  # the other collection's name
    key: str  # its field
    what: str  # what one of its features is, for messages ("funding area")


@dataclass(frozen=True)
class CollectionSpec:
    """Static description of one collection: file, fields, geometry types, enums, time fields."""

    name: str
    filename: str
    title: str
    description: str
    geometry_types: frozenset[str]
    fields: tuple[str, ...]  # every property, in published order
    required: tuple[str, ...]  # those that must not be empty
    enums: dict[str, frozenset[str]] = field(default_factory=dict)
    time_fields: tuple[str, str] = ("", "")
    keywords: tuple[str, ...] = ()
    # the type of every property, one of: string, integer, number, date (ISO 8601 day). This is
    # the one schema that GeoJSON, /queryables, GeoPackage, CSV and the import follow.
    types: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # UCUM-style unit of numeric properties
    time_model: str = DAYS  # what `time_fields` hold: DAYS or YEARS (parsing, `_t0`/`_t1`, seed)
    feature_type: str = ""  # JSON-FG `featureType` of its features
    write_roles: tuple[str, ...] = ("admin",)  # the account roles that may write it (auth.py)
    licences: tuple[Licence, ...] = ()  # what covers its data (domain/licences.py)
    attribution: str = ""  # the attribution to give (German, as the data; GeoPackage metadata)
    # its features are versions of an area (`area_id`) on a validity axis: Versioned Features,
    # /items/{area_id} answers the version in force, a version id must differ from every area_id
    versioned: bool = False
    map_item_page: bool = False  # an item's HTML is the residents' map page (web/pages.py)
    # fields the service computes (field -> AREA_AT_LOCATION or HECTARES): editing, import, OpenAPI
    derived: dict[str, str] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()  # its fields that name features of another collection

    @property
    def nullable(self) -> tuple[str, ...]:
        """Return the properties that may be null."""
        return tuple(name for name in self.fields if name not in self.required)
