"""English translations of the API's UI strings (German msgid -> English)."""

from geoservice import i18n

EN = {
    "Konto nötig": "account required",
    # landing page and navigation
    "Fördergebiete Prohlis / Am Koitschgraben": "Funding areas Prohlis / Am Koitschgraben",
    "Fördergebiete (Soziale Stadt / Sozialer Zusammenhalt) in Dresden-Prohlis und Am "
    "Koitschgraben mit ihren Grenzständen und Projekten als OGC API – Features.":
        "Urban-renewal funding areas (Soziale Stadt / Sozialer Zusammenhalt) in Dresden-Prohlis "
        "and Am Koitschgraben with their boundary versions and projects as OGC API – Features.",
    "API-Navigation": "API navigation",
    "Startseite": "Home",
    "Datensammlungen": "Collections",
    "Fördergebiete": "Funding areas",
    "Zeitleiste": "Timeline",
    "Punkt prüfen": "Check a point",
    "API-Dokumentation": "API documentation",
    "API-Definition (OpenAPI 3.0)": "API definition (OpenAPI 3.0)",
    "OpenAPI-3.0-Definition als JSON": "OpenAPI 3.0 definition as JSON",
    "Konformitätsklassen": "Conformance classes",
    "Fördergebiete mit Grenzständen": "Funding areas with their boundary versions",
    "Zeitleiste des Programms": "Programme timeline",
    "Adresse oder Punkt prüfen": "Check an address or point",
    "Diese Seite als JSON": "This page as JSON",
    "Diese Seite als HTML": "This page as HTML",
    "Diese Seite als GeoJSON": "This page as GeoJSON",
    "Pfad": "Path",
    "Beschreibung": "Description",
    "Parameter": "Parameters",
    # collections and items
    "Diese Sammlung als JSON": "This collection as JSON",
    "Diese Sammlung als HTML": "This collection as HTML",
    "Objekte als GeoJSON": "Features as GeoJSON",
    "Objekte als HTML": "Features as HTML",
    "Objekte ansehen": "Browse the features",
    "Download als GeoPackage": "Download as GeoPackage",
    "Download als CSV": "Download as CSV",
    "Filterbare Eigenschaften": "Queryable properties",
    "Sortierbare Eigenschaften": "Sortable properties",
    "Schema der Objekte": "Schema of the features",
    "Rolle": "role",
    "Verabschiedete Standards": "Approved standards",
    "Entwürfe (noch kein OGC-Standard; die URIs können sich ändern)":
        "Drafts (not yet OGC standards; the URIs may change)",
    "Räumliche Ausdehnung": "Spatial extent",
    "Zeitliche Ausdehnung": "Temporal extent",
    "Koordinatensysteme": "Coordinate reference systems",
    "Eigenschaft": "Property",
    "Typ": "Type",
    "Werte": "Values",
    "Nächste Seite": "Next page",
    "Vorige Seite": "Previous page",
    "Die Sammlung": "The collection",
    "Dieses Objekt als GeoJSON": "This feature as GeoJSON",
    "Dieses Objekt als HTML": "This feature as HTML",
    "{matched} Treffer, ab Nr. {first}": "{matched} matches, from no. {first}",
    "Alle Objekte der Sammlung": "All features of the collection",
    "Steckbrief des Fördergebiets": "Fact sheet of the funding area",
    # planners
    "Gebiet": "Area",
    "Programm": "Programme",
    "gültig ab": "valid from",
    "gültig bis": "valid until",
    "Grenzstände": "Boundary versions",
    "Grenzstand": "Boundary version",
    "Beschluss": "Decision",
    "Fläche (ha)": "Area (ha)",
    "Genauigkeit": "Accuracy",
    "Änderung": "Change",
    "Änderungen": "Changes",
    "Änderungen vom {before} zum {after}": "Changes from {before} to {after}",
    "Änderungen erster bis letzter Stand": "Changes from the first to the latest version",
    "Alle Fördergebiete": "All funding areas",
    "erste Festlegung": "first designation",
    "hervorgegangen aus {previous}": "derived from {previous}",
    "hervorgegangen aus {previous}: {added} ha hinzu": "derived from {previous}: {added} ha added",
    "Grenze unverändert": "boundary unchanged",
    "{added} ha hinzu, {removed} ha entfallen": "{added} ha added, {removed} ha removed",
    "hinzugekommen": "added",
    "weggefallen": "removed",
    "unverändert": "unchanged",
    "Länge (lon)": "Longitude (lon)",
    "Breite (lat)": "Latitude (lat)",
    "Datum": "Date",
    "Prüfen": "Check",
    "innerhalb": "inside",
    "Abstand zur Grenze": "Distance to the boundary",
    "etwa {distance}": "about {distance}",
    "ja": "yes",
    "nein": "no",
    "innerhalb von {name}, {distance} vom Rand": "inside {name}, {distance} from the edge",
    "außerhalb der Fördergebiete; {name} ist {distance} entfernt":
        "outside the funding areas; {name} is {distance} away",
    "an diesem Tag gab es kein Fördergebiet": "there was no funding area on that day",
    "Quelle": "Source",
    # versions (validity axis) and record history
    "Vorheriger Grenzstand": "Previous boundary version",
    "Nächster Grenzstand": "Next boundary version",
    "Neuester Grenzstand": "Latest boundary version",
    "Alle Grenzstände des Gebiets": "All boundary versions of the area",
    "Das Gebiet (heute gültiger Grenzstand)": "The area (boundary version in force today)",
    "Dieser Grenzstand als GeoJSON": "This boundary version as GeoJSON",
    "Dieser Grenzstand als HTML": "This boundary version as HTML",
    "Das Gebiet an diesem Tag": "The area on this day",
    "Diese Seite als Link-Format (RFC 7089 TimeMap)": "This page in link format (RFC 7089 TimeMap)",
    "Versionierte Objekte (OGC API – Features, Entwurf „Versioned Features“, Memento nach "
    "RFC 7089): …/items/{area_id} liefert den heute gültigen Grenzstand eines Gebiets, "
    "…/items/{area_id}?datetime=JJJJ-MM-TT den an diesem Tag gültigen (410, wenn keiner "
    "galt), …/items/{area_id}/versions alle Grenzstände; …/items/{id}/history listet jede "
    "Erfassung eines Objekts mit ihren Änderungen.":
        "Versioned features (OGC API – Features, draft \"Versioned Features\", Memento as in "
        "RFC 7089): …/items/{area_id} answers an area's boundary version in force today, "
        "…/items/{area_id}?datetime=YYYY-MM-DD the one in force on that day (410 if none was), "
        "…/items/{area_id}/versions lists all versions; …/items/{id}/history lists every record "
        "of a feature with its changes.",
    "Grenzstände von {area}": "Boundary versions of {area}",
    "Grenzstände von {area} als XPlanGML {version}": "Boundary versions of {area} as XPlanGML {version}",
    "Alle Grenzstände als XPlanGML {version}": "All boundary versions as XPlanGML {version}",
    "Jeder Grenzstand galt vom Tag „gültig ab“ bis einschließlich zum Tag „gültig bis“ (Europe/Berlin).":
        "Each boundary version was in force from its \"valid from\" day up to and including its "
        "\"valid until\" day (Europe/Berlin).",
    "letzter Tag in Kraft": "last day in force",
    "Als Link-Format (RFC 7089 TimeMap)": "In link format (RFC 7089 TimeMap)",
    "Name": "Name",
    "Historie": "History",
    "Erfassungen": "Records",
    "Grenzstand von {area}, gültig am {day}:": "Boundary version of {area} in force on {day}:",
    "Grenzstände dieses Gebiets": "Boundary versions of this area",
    "In Kraft vom {start} bis {end} (Memento-Datetime: {memento}).":
        "In force from {start} to {end} (Memento-Datetime: {memento}).",
    "heute": "today",
    "Erfassungshistorie dieses Grenzstands": "Record history of this boundary version",
    "Historie von {id}": "History of {id}",
    "Historie: {title}": "History: {title}",
    "Kennung": "Identifier",
    "„{id}“ gibt es in diesem Register nicht.": "\u201c{id}\u201d does not exist in this register.",
    "„{title}“ wird nicht mehr veröffentlicht.": "\u201c{title}\u201d is no longer published.",
    "Zeiten in Dresdner Ortszeit.": "Times in Dresden local time.",
    "Jede Erfassung dieses Objekts im Register, älteste zuerst. Frühere Erfassungen ändern sich nie.":
        "Every record of this feature in the register, oldest first. Past records never change.",
    "Das Objekt heute": "The feature today",
    "Das Objekt wird nicht mehr veröffentlicht.": "The feature is no longer published.",
    "Das Objekt, wie es ab dann erfasst war": "The feature as recorded from then on",
    "Erfasst ab": "Recorded from",
    "Erfasst bis": "Recorded until",
    "Was sich geändert hat": "What changed",
    "Notiz": "Note",
    "Von": "By",
    "aktuell": "current",
    "Nr. {change}": "No. {change}",
    "angelegt": "created",
    "({area} ha)": "({area} ha)",
    "stillgelegt": "retired",
    "stillgelegt (nicht mehr veröffentlicht; bleibt in der Historie)":
        "retired (no longer published; stays in the history)",
    "wieder angelegt": "restored",
    "geändert: {fields}": "changed: {fields}",
    "Lage um {distance} m verschoben": "moved by {distance} m",
    "Grenze geändert: {diff} ha Unterschied, bis zu {distance} m verschoben, Fläche {before} ha → "
    "{after} ha":
        "boundary changed: {diff} ha difference, moved by up to {distance} m, area {before} ha → "
        "{after} ha",
    "Geometrie um bis zu {distance} m verschoben": "geometry moved by up to {distance} m",
    "keine inhaltliche Änderung": "no change in content",
    # collection metadata (domain/schema.py: German titles, descriptions and keywords)
    "Projekte im Fördergebiet": "Projects in the funding areas",
    "Fördergebiete der Städtebauförderung (Soziale Stadt, seit Oktober 2020 Sozialer "
    "Zusammenhalt) in Dresden-Prohlis und Am Koitschgraben, ein Objekt je Grenzstand mit "
    "seiner Gültigkeit [valid_from, valid_to). Die Grenzen sind schematische Rekonstruktionen, "
    "nicht die rechtsverbindliche Grenze (siehe accuracy und method).":
        "Urban-renewal funding areas (Soziale Stadt, since October 2020 Sozialer Zusammenhalt) "
        "of Dresden-Prohlis and Am Koitschgraben, one feature per boundary version with its "
        "validity [valid_from, valid_to). Boundaries are schematic reconstructions, not the legal "
        "boundary (see accuracy and method).",
    "Projekte des Förderprogramms und verwandter Förderungen in Prohlis und Am Koitschgraben "
    "seit 2000, mit Jahren, Status, Förderung laut den Quellen und der Angabe, wie jeder "
    "Standort bestimmt wurde (location_accuracy, location_method).":
        "Projects of the urban-renewal programme and related funding in Prohlis and Am "
        "Koitschgraben since 2000, with years, status, funding as stated by the sources and how "
        "each location was determined (location_accuracy, location_method).",
    "Quartiersmanagement": "neighbourhood management",
    # JSON-FG and licences (domain/licences.py)
    "Objekte als JSON-FG": "Features as JSON-FG",
    "Diese Seite als JSON-FG": "This page as JSON-FG",
    "Dieses Objekt als JSON-FG": "This feature as JSON-FG",
    "Datenlizenz Deutschland – Namensnennung – Version 2.0":
        "Data licence Germany – attribution – version 2.0",
    "aus OpenStreetMap abgeleitete Geometrie (© OpenStreetMap-Mitwirkende)":
        "geometry derived from OpenStreetMap (© OpenStreetMap contributors)",
    "Wahlbezirke der Landeshauptstadt Dresden als Grundlage der Gebietsgrenzen "
    "(Lizenz laut Open-Data-Praxis der Stadt angenommen, nicht bestätigt)":
        "election districts of the City of Dresden on which the area boundaries are based "
        "(licence assumed from the city's open-data practice, not confirmed)",
    "zwei Projektstandorte nach Wikipedia-Koordinaten (Schloss Prohlis)":
        "two project locations taken from Wikipedia coordinates (Prohlis palace)",
}

# The map pages among the API's HTML (items map, visual timeline, changes): translations of
# templates/api/items.html, timeline.html and changes.html.
EN.update({
    'Änderungen zwischen {before} und {after}':
        'Changes between {before} and {after}',
    'Ein Jahr steht für das ganze Jahr (1. Januar bis 31. Dezember), wie auf der Projektkarte: in einem Jahr mit Grenzänderung zählen die alte und die neue Grenze.':  # noqa: E501
        'A year means the whole year (1 January to 31 December), as on the project map: in a year with a boundary change both the old and the new boundary count.',  # noqa: E501
    'Hinzugekommene, weggefallene und unveränderte Flächen':
        'Added, removed and unchanged parts',
    'Die Karte zeigt die {n} Objekte dieser Seite, die Tabelle darunter dieselben.':
        'The map shows the {n} features of this page; the table below lists the same.',
    'Tabelle: {caption}':
        'Table: {caption}',
    'nur das Jahr bekannt':
        'only the year is known',
    'nur der Monat bekannt':
        'only the month is known',
    'Gebiet {name} {when}':
        'Area {name} {when}',
    'Projekt: {title}':
        'Project: {title}',
    'Die Geschichte der Fördergebiete von {first} bis heute: oben als Zeitstrahl, darunter dieselben Angaben als Liste.':  # noqa: E501
        'The history of the funding areas from {first} to today: above as a timeline, below the same facts as a list.',
    'Ein Ereignis, das nur auf das Jahr genau bekannt ist, steht für das ganze Jahr (ein breiter Balken); eines, das auf den Monat genau bekannt ist, für den Monat; nur Tagesdaten sind Punkte.':  # noqa: E501
        'An event known only to the year stands for the whole year (a wide bar); one known to the month for that month; only exact days are points.',  # noqa: E501
    'Zeitstrahl {first}–{last}: Grenzstände der Gebiete als Balken über ihrer Gültigkeit, Ereignisse an ihrem Datum; markiert sind die Jahre mit Grenzänderung ({years}).':  # noqa: E501
        "Timeline {first}–{last}: the areas' boundary versions as bars over their validity, events at their dates; marked are the years with a boundary change ({years}).",  # noqa: E501
    'Zur Liste':
        'To the list',
    'Tag bekannt':
        'day known',
    'Monat bekannt':
        'month known',
    'nur Jahr bekannt':
        'only the year known',
    'Jahr mit Grenzänderung':
        'year with a boundary change',
    'Grenzstände der Gebiete':
        'Boundary versions of the areas',
    'schematische Rekonstruktion':
        'schematic reconstruction',
    'Ereignisse nach Jahren':
        'Events by year',
    'Vorgeschichte (vor {first})':
        'Earlier history (before {first})',
})


# the Atom feeds (api/feeds.py)
EN.update({
    "Änderungen im Register": "Changes in the register",
    "Änderungen: {title}": "Changes: {title}",
    "Änderungen im Fördergebiet {area}": "Changes in funding area {area}",
    "Öffentliche Änderungen mit Notiz, Rolle und Zeit (Dresden)":
        "Public changes with note, role and time (Dresden)",
    "{title}: {what}": "{title}: {what}",
    "Notiz": "Note",
    "Von": "By",
    "Zeit (Dresden)": "Time (Dresden)",
    "Was sich änderte": "What changed",
    "Das Objekt, wie es damals erfasst wurde": "The feature as it was recorded then",
    "Das Objekt heute": "The feature today",
    "Alle Fassungen des Objekts": "Every record of the feature",
    "Diese Änderungen als Atom-Feed": "These changes as an Atom feed",
    "angelegt": "created",
    "geändert": "changed",
    "stillgelegt": "retired",
    # the change stream (api/stream.py)
    "Die nächsten Änderungen": "The next changes",
    "Später neue Änderungen": "Changes made later",
    "Die Änderungen der Sammlung für Maschinen (JSON, Cursor)":
        "The collection's changes for machines (JSON, cursor)",
})


def register() -> None:
    """Register the English translations of the API's UI strings."""
    i18n.register(EN)
