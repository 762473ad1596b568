"""English translations of the place search, the context layer and the inside check (German is the source)."""

from geoservice import i18n

EN = {
    # result kinds
    "Straße": "Street",
    "Adresse": "Address",
    "Haltestelle": "Stop",
    "Ort": "Place",
    "Projekt": "Project",
    # the answer at the map
    "Heute im Fördergebiet {names}": "Today inside the funding area {names}",
    "Heute in keinem Fördergebiet": "Today in no funding area",
    "{distance} bis {name}": "{distance} to {name}",
    "direkt an der Grenze von {name}": "right at the boundary of {name}",
    "{n} Projekte im Umkreis von 500 m": "{n} projects within 500 m",
    "1 Projekt im Umkreis von 500 m": "1 project within 500 m",
    "Kein Projekt im Umkreis von 500 m": "No project within 500 m",
    "Ausführliche Antwort": "Full answer",
    "Antwort schließen": "Close the answer",
    "Projekte im Umkreis von 500 m um {name}": "Projects within 500 m of {name}",
    "Weitere Projekte": "Other projects",
    "{distance} entfernt": "{distance} away",
    # inside check: sentences
    "direkt an der Grenze (unter {near} m; die rekonstruierte Grenze kann das nicht sicher entscheiden)":
        "right at the boundary (under {near} m; the reconstructed boundary cannot decide this reliably)",
    "etwa {distance} m von der Grenze": "about {distance} m from the boundary",
    "Am {day} lag der Ort innerhalb von {name} ({programme}), {distance}.":
        "On {day} the site was inside {name} ({programme}), {distance}.",
    "Am {day} lag der Ort außerhalb von {name} ({programme}), {distance}.":
        "On {day} the site was outside {name} ({programme}), {distance}.",
    "{name} ist das Vorgängergebiet von {page}.": "{name} is the predecessor area of {page}.",
    "{name} ist ein Nachfolgegebiet von {page}.": "{name} is a successor area of {page}.",
    "Beginn der Daten": "the start of the data",
    "Innerhalb eines Fördergebiets seit {since}, ohne Unterbrechung bis heute.":
        "Inside a funding area since {since}, without a break until today.",
    "Innerhalb eines Fördergebiets seit {since}, ohne Unterbrechung bis {until}.":
        "Inside a funding area since {since}, without a break until {until}.",
    "Zuletzt vorher innerhalb bis {until}.": "Before that, last inside until {until}.",
    "Innerhalb eines Fördergebiets ab {since}.": "Inside a funding area from {since}.",
    "Zu keiner Zeit innerhalb eines Fördergebiets.": "Never inside a funding area.",
    "Am {day} war kein Fördergebiet in Kraft.": "On {day} no funding area was in force.",
    "Version {id}": "Version {id}",
    "Beschluss: {decision}": "Decision: {decision}",
    # inside check: form and messages
    "Wird geprüft …": "Checking …",
    "Die Prüfung ist gerade nicht möglich: {reason}": "The check is not possible right now: {reason}",
    "Bitte die Länge als Zahl angeben, z. B. 13,7713.": "Please give the longitude as a number, e.g. 13.7713.",
    "Bitte die Breite als Zahl angeben, z. B. 51,0135.": "Please give the latitude as a number, e.g. 51.0135.",
    "Bitte ein Datum angeben.": "Please give a date.",
    "Wählen Sie einen Ort: Suchtreffer oder Klick in die Karte.":
        "Pick a place: a search result or a click on the map.",
    "Eine Straße ist kein Punkt: klicken Sie in der Karte auf die Stelle der Straße, die Sie prüfen möchten.":
        "A street is not a point: click the spot on the street you want to check on the map.",
    "Der Straßenverlauf fehlt in unseren Daten; der Rahmen zeigt, wo die bekannten Adressen und Haltestellen dieser Straße liegen.":  # noqa: E501
        "Our data lacks this street's line; the frame shows where the known addresses and stops of this "
        "street lie.",
    "{n} Treffer": "{n} results",
    "Keine Treffer": "No results",
    "Gezeigt: {name} ({kind})": "Shown: {name} ({kind})",
    "Lag ein Ort im Fördergebiet?": "Was a site inside a funding area?",
    "Geben Sie Koordinaten (WGS 84, Komma oder Punkt) und ein Datum ein. Die Antwort gilt für alle Gebiete und Versionen.":  # noqa: E501
        "Enter coordinates (WGS 84, comma or point) and a date. The answer covers all areas and versions.",
    "Zurück zum Steckbrief": "Back to the fact sheet",
    # search field and the context layer
    "Ort suchen": "Find a place",
    "Ort suchen: Straße, Adresse, Haltestelle, Ort oder Projekt":
        "Find a place: street, address, stop, place or project",
    "z. B. Karl-Laux-Straße": "e.g. Karl-Laux-Straße",
    "Suchtreffer": "Search results",
    "Sucht nur in den Daten dieses Dienstes; Straßen und Haltestellen: © OpenStreetMap-Mitwirkende, ODbL.":
        "Searches only this service's own data; streets and stops: © OpenStreetMap contributors, ODbL.",
    "Klicken Sie in die Karte, wählen Sie einen Suchtreffer oder geben Sie Koordinaten (WGS 84, Komma oder Punkt) ein. Die Antwort gilt für alle Gebiete und Versionen.":  # noqa: E501
        "Click the map, pick a search result or enter coordinates (WGS 84, comma or point). The answer covers "
        "all areas and versions.",
    "Straßennamen (OpenStreetMap)": "Street names (OpenStreetMap)",
    "Haltestellen (OpenStreetMap, 2014)": "Stops (OpenStreetMap, 2014)",
}

i18n.register(EN)
