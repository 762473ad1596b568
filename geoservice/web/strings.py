"""English translations of the map pages' UI strings (German is the source language)."""

from geoservice import i18n
from geoservice.web.strings_editor import EN as EDITOR_EN

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
    "Der Kartenhintergrund von OpenStreetMap lässt sich gerade nicht laden (keine Verbindung?). Die Karte zeigt weiter die eigenen Daten dieses Dienstes.":  # noqa: E501
        "The OpenStreetMap base map cannot be loaded right now (no connection?). The map still "
        "shows this service's own data.",
    "Zurück zur Karte ohne Hintergrund": "Back to the map without base map",
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
    "Karte der Objekte dieser Seite": "Map of the features on this page",
    "Objekte dieser Seite": "Features on this page",
    "Objekt öffnen": "Open feature",
    "Tabelle: {caption}": "Table: {caption}",
    "im {month}": "in {month}",
    "{year} (ganzes Jahr)": "{year} (whole year)",
    "vom {start} bis {end}": "from {start} to {end}",
    "Die Karte zeigt die Grenze dieses Gebiets {when}: {versions}.":
        "The map shows this area's boundary {when}: {versions}.",
    "{when} galt keine Version dieses Gebiets; die Karte zeigt keine Grenze. Die Schritte unten nennen, woraus es hervorging.":  # noqa: E501
        "{when} no version of this area was in force; the map shows no boundary. The steps below say what it "
        "emerged from.",
    "Aktuelle Grenze zeigen": "Show the current boundary",
    "Beschlüsse": "Decisions",
    "Quartiersbüros": "Neighbourhood offices",
    # web editor (/edit)
    "Redaktion": "Editing",
    "Alle Projekte": "All projects",
    "Neues Projekt": "New project",
    "Angemeldet als {name} ({organisation})": "Signed in as {name} ({organisation})",
    "Abmelden": "Sign out",
    "Redaktion der Projektkarte. Jede Änderung wird mit Zeit, Notiz und Organisation in der öffentlichen Historie gezeigt.":  # noqa: E501
        "Editing of the project map. Every change is shown with its time, note and organisation in "
        "the public history.",
    "Anmelden": "Sign in",
    "Anmelden zur Redaktion": "Sign in to edit",
    "Hier pflegt das Quartiersmanagement die Projekte der Karte.":
        "Here the Quartiersmanagement keeps the map's projects up to date.",
    "Name": "Name",
    "Passwort": "Password",
    "Name oder Passwort falsch.": "Wrong name or password.",
    "Zu viele fehlgeschlagene Anmeldungen für dieses Konto oder von Ihrer Adresse. Bitte versuchen Sie es in {minutes} Minuten erneut.":  # noqa: E501
        "Too many failed sign-ins for this account or from your address. Please try again in "
        "{minutes} minutes.",
    "Gerade werden zu viele Anmeldungen geprüft. Bitte versuchen Sie es in einigen Sekunden erneut.":
        "Too many sign-ins are being checked right now. Please try again in a few seconds.",
    "Sie sind abgemeldet.": "You are signed out.",
    "Projekte bearbeiten": "Edit projects",
    "Ein Klick auf einen Status ändert ihn sofort; als Änderungsnotiz gilt „Status auf … gesetzt“, wenn Sie keine eigene eintragen.":  # noqa: E501
        "One click on a status changes it at once; the change note is “Status auf … gesetzt” (status "
        "set to …) unless you enter your own.",
    "{n} veröffentlichte Projekte": "{n} published projects",
    "Titel": "Title",
    "Letzte Änderung": "Last change",
    "Aktionen": "Actions",
    "Änderungsnotiz für {title}": "Change note for {title}",
    "Notiz (optional)": "Note (optional)",
    "→ {status}": "→ {status}",
    "Bearbeiten": "Edit",
    "Historie": "History",
    "Stilllegen": "Retire",
    "Liste neu laden": "Reload the list",
    "Status von „{title}“ auf {status} gesetzt.": "Status of “{title}” set to {status}.",
    "Projekt bearbeiten": "Edit project",
    "(Pflichtfeld)": "(required)",
    "Jemand anderes hat dieses Projekt inzwischen geändert. Es wurde nichts gespeichert.":
        "Someone else has changed this project meanwhile. Nothing was saved.",
    "Ihre Eingaben stehen unverändert unten im Formular. Sichern Sie, was Sie behalten möchten, und laden Sie dann den aktuellen Stand.":  # noqa: E501
        "Your input is still in the form below. Copy what you want to keep, then load the current "
        "state.",
    "Aktuellen Stand laden": "Load the current state",
    "Was wurde geändert? (Historie)": "What was changed? (history)",
    "Bitte prüfen Sie Ihre Eingaben – es wurde nichts gespeichert.":
        "Please check your input – nothing was saved.",
    "Ort": "Location",
    "Änderungsnotiz": "Change note",
    "Eine der bisherigen Kategorien oder eine neue.": "One of the existing categories or a new one.",
    "Woher die Angaben stammen, gern mit Links.": "Where the information comes from, links welcome.",
    "Ort des Projekts": "Location of the project",
    "Klicken Sie in die Karte, um den Ort zu setzen, und ziehen Sie die Markierung zum Verschieben. Ohne Maus: Länge und Breite unten eingeben (WGS 84, Dezimalgrad).":  # noqa: E501
        "Click on the map to set the location and drag the marker to move it. Without a mouse: enter "
        "longitude and latitude below (WGS 84, decimal degrees).",
    "Zum Beispiel: Adresse geokodiert, nach Lageplan gesetzt.":
        "For example: address geocoded, placed after a site plan.",
    "wird beim Speichern aus dem Ort bestimmt": "derived from the location when saved",
    "Vorschau auf der öffentlichen Karte": "Preview on the public map",
    "So erscheint das Projekt im Fenster der Projektkarte; die Vorschau folgt Ihren Eingaben.":
        "This is how the project appears in the project map's popup; the preview follows your input.",
    "Was haben Sie warum geändert? Die Notiz erscheint in der öffentlichen Historie.":
        "What did you change and why? The note appears in the public history.",
    "Speichern": "Save",
    "Nichts geändert: „{title}“ ist schon so gespeichert.": "Nothing changed: “{title}” is already stored like this.",
    "Angelegt: „{title}“.": "Created: “{title}”.",
    "Gespeichert: „{title}“.": "Saved: “{title}”.",
    "Bitte ausfüllen.": "Please fill in.",
    "Das Ende ({end}) liegt vor dem Beginn ({start}).": "The end ({end}) lies before the start ({start}).",
    "Bitte ein Jahr mit vier Ziffern angeben, z. B. 2024.": "Please give a year with four digits, e.g. 2024.",
    "Bitte einen der angebotenen Werte wählen.": "Please choose one of the values offered.",
    "Bitte den Ort in der Karte setzen oder als Zahl eingeben.":
        "Please set the location on the map or enter it as a number.",
    "Der Ort muss in Dresden liegen (zwischen {low} und {high}).":
        "The location must be in Dresden (between {low} and {high}).",
    "Bitte kurz notieren, was Sie warum geändert haben.": "Please note briefly what you changed and why.",
    "Höchstens {n} Zeichen.": "At most {n} characters.",
    "Beginn (Jahr)": "Start (year)",
    "Ende (Jahr)": "End (year)",
    "Stand (Anmerkung zum Status)": "Note on the status",
    "Wie der Ort bestimmt wurde": "How the location was determined",
    "Karte: klicken, um den Projektort zu setzen": "Map: click to set the project's location",
    "Projektort: ziehen oder mit den Pfeiltasten verschieben": "Project location: drag or move with the arrow keys",
    "Ort gesetzt: Länge {lon}, Breite {lat}": "Location set: longitude {lon}, latitude {lat}",
    "Projekt stilllegen": "Retire project",
    "Ein stillgelegtes Projekt erscheint nicht mehr auf der Karte und in der Schnittstelle. Es bleibt mit allen Ständen in der Historie.":  # noqa: E501
        "A retired project no longer appears on the map or in the API. It stays in the history with "
        "all its states.",
    "Warum wird das Projekt stillgelegt? Die Notiz erscheint in der öffentlichen Historie.":
        "Why is the project retired? The note appears in the public history.",
    "Ja, „{title}“ stilllegen": "Yes, retire “{title}”",
    "Endgültig stilllegen": "Retire now",
    "Bitte bestätigen Sie die Stilllegung.": "Please confirm the retirement.",
    "Stillgelegt: „{title}“. Es bleibt in der Historie.": "Retired: “{title}”. It stays in the history.",
    "Jede Änderung, neueste zuerst.": "Every change, newest first.",
    "Als Administrator sehen Sie das Konto jeder Änderung; öffentlich wird nur die Organisation gezeigt.":
        "As an administrator you see the account of each change; the public only sees the organisation.",
    "Öffentliche Projektseite": "Public project page",
    "Öffentliche Historie": "Public history",
    "stillgelegt": "retired",
    "Nr. {change}": "No. {change}",
    "Notiz": "Note",
    "Konto": "Account",
    "Von": "By",
    "Geänderte Felder": "Changed fields",
    "Feld": "Field",
    "vorher": "before",
    "nachher": "after",
    "angelegt": "created",
    "stillgelegt (nicht mehr veröffentlicht; bleibt in der Historie)":
        "retired (no longer published; stays in the history)",
    "wieder angelegt": "restored",
    "geändert: {fields}": "changed: {fields}",
    "um {distance} m verschoben": "moved by {distance} m",
    "Geometrie um bis zu {distance} m verschoben": "geometry moved by up to {distance} m",
    "keine inhaltliche Änderung": "no change in content",
    # map pages: a year, downloads, print, provenance, clusters
    "Grenzen {year}:": "Boundaries {year}:",
    "Karte drucken": "Print map",
    "Jahr {year} (ganzes Jahr)": "Year {year} (whole year)",
    "Datenstand {date}": "Data as of {date}",
    "Gebietsgrenze {year}": "Area boundary {year}",
    "Vergleich {a} – {b}": "Comparison {a} – {b}",
    "Verglichen werden die Gebiete, die {a} und {b} in Kraft waren.":
        "The map compares the areas in force {a} and {b}.",
    "Ein Jahr steht für das ganze Jahr (1. Januar bis 31. Dezember), wie auf der Projektkarte: in "
    "einem Jahr mit Grenzänderung zählen die alte und die neue Grenze.":
        "A year means the whole year (1 January to 31 December), as on the project map: in a year "
        "with a boundary change both the old and the new boundary count.",
    "In Kraft {period}": "In force {period}",
    "Ein Jahr steht für das ganze Jahr (1. Januar bis 31. Dezember): Gebietsgrenzen, die in diesem "
    "Jahr galten, und Projekte, die bis dahin begonnen haben.":
        "A year means the whole year (1 January to 31 December): boundaries in force during that "
        "year, and projects begun by then.",
    "Markiert: Jahre mit Grenzänderung ({years}); dann zeigt die Karte die alte Grenze gestrichelt "
    "und die neue durchgezogen.":
        "Marked: years with a boundary change ({years}); the map then shows the old boundary dashed "
        "and the new one solid.",
    "Weitere Filter: Status, Suche, Kategorien": "More filters: status, search, categories",
    "Status im gewählten Jahr": "Status in the chosen year",
    "Projektjahre {years}": "Project years {years}",
    "Lage auf der Karte": "Position on the map",
    "an der Adresse": "at the address",
    "an der Straße, nicht am genauen Ort": "on the street, not at the exact place",
    "Herkunft der Angaben": "Where the information comes from",
    "Stand laut Quellen": "Status according to the sources",
    "im Jahr {year}": "in {year}",
    "am {day}": "on {day}",
    "später": "later",
    "alte Grenze, gestrichelt": "old boundary, dashed",
    "neue Grenze": "new boundary",
    "{n} Projekte an derselben Stelle (meist gebietsweite Vorhaben ohne eigenen Standort)":
        "{n} projects at the same place (mostly area-wide measures without a site of their own)",
    "Weitere Projekte an derselben Stelle": "More projects at the same place",
    "im gewählten Jahr": "in the chosen year",
    "geplant": "planned",
}

# Data values shown as labels: a project's status and category are terms of this service, so they
# are translated (titles, descriptions and decisions stay German). Tests check that every status
# and category in the data has an entry; a new category added by an editor shows in German until
# it gets one here.
STATUS_EN = {"geplant": "planned", "laufend": "ongoing", "abgeschlossen": "completed"}
CATEGORY_EN = {
    "Beteiligung/Quartiersmanagement": "Participation/neighbourhood management",
    "Bildung": "Education",
    "Kultur": "Culture",
    "Soziale Infrastruktur": "Social infrastructure",
    "Sport/Spiel": "Sport/play",
    "Umwelt/Grün": "Environment/green space",
    "Verkehr": "Transport",
    "Wohnumfeld/Freiraum": "Residential surroundings/open space",
}
VALUES_EN = {**STATUS_EN, **CATEGORY_EN}


def value_label(value, lang: str) -> str:
    """Return a status or category as shown in `lang` (German: the value itself)."""
    if value is None:
        return ""
    return VALUES_EN.get(str(value), str(value)) if lang == "en" else str(value)


def value_labels(lang: str) -> dict[str, str]:
    """Return the status/category labels the browser needs for `lang` (empty for German)."""
    return dict(VALUES_EN) if lang == "en" else {}


EN.update(EDITOR_EN)  # the editor's newer strings live in strings_editor.py
i18n.register(EN)
i18n.register(VALUES_EN)
