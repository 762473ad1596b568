"""English translations of the map pages' UI strings (German is the source language)."""

from geoservice import i18n

EN = {
    # layout
    "Fördergebiete Prohlis / Am Koitschgraben": "Funding areas Prohlis / Am Koitschgraben",
    "Zum Inhalt springen": "Skip to content",
    "Hauptnavigation": "Main navigation",
    "Sprache": "Language",
    "Projektkarte": "Project map",
    "Änderungen vergleichen": "Compare changes",
    "Daten (API)": "Data (API)",
    "Gebiete": "Areas",
    "Grenzen: schematische Rekonstruktionen aus öffentlichen Quellen, nicht die rechtsverbindlichen Grenzen.":
        "Boundaries: schematic reconstructions from public sources, not the legal boundaries.",
    "Stadtteilgrenzen und Kartenhintergrund:": "District outlines and base map:",
    "Mitwirkende": "contributors",
    "Vollständige Ansicht öffnen": "Open the full page",
    # shared tables and notices
    "Gebiet": "Area",
    "Programm": "Programme",
    "Gültig": "Valid",
    "gültig": "valid",
    "Fläche": "Size",
    "Genauigkeit": "Accuracy",
    "Quelle": "Source",
    "Quellen": "Sources",
    "heute": "today",
    "offen": "open",
    "veröffentlicht:": "published:",
    "schematische Rekonstruktion": "schematic reconstruction",
    "amtliche Grenze": "official boundary",
    "Schematische Rekonstruktion, nicht die rechtsverbindliche Grenze.":
        "Schematic reconstruction, not the legal boundary.",
    "Die Gebietsgrenzen wurden aus Wahlbezirken der Stadt und OpenStreetMap-Straßen nach den veröffentlichten Beschreibungen und Flächen rekonstruiert; Quellen und Genauigkeit stehen in der Tabelle":  # noqa: E501
        "The boundaries were reconstructed from the city's election districts and OpenStreetMap streets, following "
        "the published descriptions and sizes; sources and accuracy are listed in the table",
    "unbekannt": "unknown",
    "seit": "since",
    "bis": "until",
    # home
    "Projekte und Fördergebiete in Prohlis und Am Koitschgraben":
        "Projects and funding areas in Prohlis and Am Koitschgraben",
    "Die Karte zeigt die Fördergebiete der Programme „Soziale Stadt“ und „Sozialer Zusammenhalt“ und die Projekte darin seit 2000. Mit dem Schieberegler wählen Sie ein Jahr.":  # noqa: E501
        "The map shows the funding areas of the programmes “Soziale Stadt” (Social City) and "
        "“Sozialer Zusammenhalt” (Social Cohesion) and their projects since 2000. Use the slider "
        "to choose a year.",
    "Änderungen der Gebiete zwischen zwei Jahren vergleichen": "Compare the areas between two years",
    "Karte und Liste filtern": "Filter map and list",
    "Jahr": "Year",
    "Gebietsgrenzen dieses Jahres; Projekte, die bis dahin begonnen haben.":
        "Boundaries of that year; projects started by then.",
    "Status": "Status",
    "Stand": "Note",
    "alle": "all",
    "Suche": "Search",
    "z. B. Spielplatz": "e.g. Spielplatz (playground)",
    "Kategorien": "Categories",
    "Filter zurücksetzen": "Reset filters",
    "Projektliste": "Project list",
    "Auf der Karte zeigen": "Show on map",
    "Gebiete, Versionen und Quellen": "Areas, versions and sources",
    "Steckbriefe:": "Fact sheets:",
    "Versionen der Fördergebiete": "Versions of the funding areas",
    "{n} von {total} Projekten angezeigt": "{n} of {total} projects shown",
    "Gebiete {year}:": "Areas {year}:",
    "keine": "none",
    "ab": "from",
    # compare
    "Änderungen {a} – {b}": "Changes {a} – {b}",
    "Änderungen der Fördergebiete zwischen {a} und {b}": "Changes of the funding areas between {a} and {b}",
    "Verglichen werden die Gebiete, die am {a} und am {b} in Kraft waren (ein Jahr steht für seinen 1. Januar).":
        "Compared are the areas in force on {a} and on {b} (a year stands for its 1 January).",
    "Von Jahr": "From year",
    "Bis Jahr": "To year",
    "Vergleichen": "Compare",
    "Flächen": "Parts",
    "Hinzugekommene, weggefallene und unveränderte Flächen": "Added, removed and unchanged parts",
    "Änderung": "Change",
    "Zu keinem der beiden Zeitpunkte war ein Fördergebiet in Kraft.":
        "No funding area was in force on either date.",
    "In Kraft am {day}": "In force on {day}",
    "kein Gebiet": "no area",
    "Verglichene Versionen und Quellen": "Compared versions and sources",
    "Verglichene Versionen": "Compared versions",
    "hinzugekommen": "added",
    "weggefallen": "removed",
    "unverändert": "unchanged",
    # fact sheet
    "Steckbrief": "Fact sheet",
    "Steckbrief: {name}": "Fact sheet: {name}",
    "Kennung": "Identifier",
    "Daten": "Data",
    "Schnittstelle": "Interface",
    "Schnittstelle (OGC API – Features):": "Interface (OGC API – Features):",
    "Startdokument (JSON)": "Landing page (JSON)",
    "Sammlungen": "Collections",
    "Konformität": "Conformance",
    "Ort prüfen": "Check a location",
    "Erste Festlegung": "First designated",
    "Aktuelle Version": "Current version",
    "Fläche (Rekonstruktion)": "Size (reconstruction)",
    "Fläche (veröffentlicht)": "Size (published)",
    "Liegt ein Ort im Gebiet?": "Is a site inside the area?",
    "Klicken Sie in die Karte oder geben Sie Koordinaten (WGS 84) ein.":
        "Click on the map or enter coordinates (WGS 84).",
    "Länge (lon)": "Longitude (lon)",
    "Breite (lat)": "Latitude (lat)",
    "Datum": "Date",
    "Prüfen": "Check",
    "Der Punkt liegt innerhalb von {name}, {distance} m von der Grenze.":
        "The point lies inside {name}, {distance} m from the boundary.",
    "Der Punkt liegt außerhalb von {name}, {distance} m von der Grenze.":
        "The point lies outside {name}, {distance} m from the boundary.",
    "An diesem Datum war keine Version dieses Gebiets in Kraft.":
        "No version of this area was in force on that date.",
    "Bitte Länge und Breite als Zahlen angeben.": "Please give longitude and latitude as numbers.",
    "Wird geprüft …": "Checking …",
    "Die Prüfung ist gerade nicht möglich: {reason}": "The check is not available right now: {reason}",
    "Was sich bei jedem Schritt geändert hat": "What changed at each step",
    "Erste Festlegung des Gebiets.": "First designation of the area.",
    "Hervorgegangen aus {prev}: {added} ha neu gegenüber dem vorher geltenden Gebiet.":
        "Emerged from {prev}: {added} ha new compared with the area in force before.",
    "Gegenüber {prev}: {added} ha hinzugekommen, {removed} ha weggefallen.":
        "Compared with {prev}: {added} ha added, {removed} ha removed.",
    "Beschluss:": "Decision:",
    "Beschluss": "Decision",
    "Chronik": "Chronicle",
    "Versionen, Beschlüsse und Quellen": "Versions, decisions and sources",
    "Versionen": "Versions",
    "Version": "Version",
    "Schritt zur Version {id}: hinzugekommen grün, weggefallen rot, unverändert grau":
        "Step to version {id}: added green, removed red, unchanged grey",
    # project page
    "Projekt": "Project",
    "Die Karte zeigt die Fördergebiete, die während der Projektjahre galten.":
        "The map shows the funding areas in force during the project's years.",
    "Angaben zum Projekt": "Project details",
    "Beschreibung": "Description",
    "Kategorie": "Category",
    "Jahre": "Years",
    "Adresse": "Address",
    "Förderung": "Funding",
    "nicht angegeben": "not stated",
    "Fördergebiet": "Funding area",
    "nicht zugeordnet": "not assigned",
    "Lagegenauigkeit": "Location accuracy",
    "Straße": "Street",
    "ungefähr": "approximate",
    "Fördergebiete in den Projektjahren": "Funding areas during the project's years",
    "Zurück zur Projektkarte": "Back to the project map",
    # maps
    "Vergrößern": "Zoom in",
    "Verkleinern": "Zoom out",
    "Kartenhintergrund laden": "Load base map",
    "Der Kartenhintergrund kommt von OpenStreetMap. Beim Laden überträgt Ihr Browser Ihre IP-Adresse an tile.openstreetmap.org.":  # noqa: E501
        "The base map comes from OpenStreetMap. Loading it sends your IP address to "
        "tile.openstreetmap.org.",
    "Ja, OpenStreetMap laden": "Yes, load OpenStreetMap",
    "Abbrechen": "Cancel",
    "Kartenhintergrund entfernen": "Remove base map",
    "Kartenhintergrund": "Base map",
    "Stadtteile (OpenStreetMap)": "Districts (OpenStreetMap)",
    "Quellen und Genauigkeit": "Sources and accuracy",
    "Ebenen": "Layers",
    "Karte der Fördergebiete und Projekte": "Map of the funding areas and projects",
    "Fördergebiete": "Funding areas",
    "Projekte": "Projects",
    "Projektflächen und -linien": "Project areas and lines",
    "Legende": "Legend",
    "Meinen Standort zeigen": "Show my position",
    "Ihr Standort (nur in Ihrem Browser)": "Your position (only in your browser)",
    "Ihr Browser kann den Standort nicht bestimmen.": "Your browser cannot determine your position.",
    "Standort nicht verfügbar: {reason}": "Position not available: {reason}",
    "Projektseite öffnen": "Open project page",
    "Projekte, zum Vergrößern auswählen": "projects, select to zoom in",
    "Karte der Änderungen": "Map of the changes",
    "Karte des Gebiets mit allen Versionen": "Map of the area with all versions",
    "Gebietsversion": "Area version",
    "Karte des Projekts": "Map of the project",
}

i18n.register(EN)
