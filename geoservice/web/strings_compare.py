"""English translations of the compare forms, the change-year notes and the date and number
texts shared by the pages and the API's HTML (German is the source)."""

from geoservice import i18n

EN = {
    "{year} ist ein Jahr mit Grenzänderung.": "{year} is a year with a boundary change.",
    "Ein Jahr zählt jede Grenze, die in ihm galt, die alte und die neue, und kann so Änderungen "
    "verdecken. Eindeutig ist ein Tag vor oder nach der Änderung:":
        "A year counts every boundary in force during it, the old and the new one, and so can "
        "hide changes. A day before or after the change is unambiguous:",
    "Änderung am {day}:": "Change on {day}:",
    "Stand am {day} (davor)": "State on {day} (before)",
    "Stand am {day} (danach)": "State on {day} (after)",
    "Nach Jahren vergleichen": "Compare by years",
    "Nach Tagen vergleichen": "Compare by days",
    "Von Tag": "From day",
    "Bis Tag": "To day",
    "Tage vergleichen": "Compare days",
    "Nicht gefunden": "Not found",
    "Ungültige Anfrage": "Bad request",
    "An diesem Tag nicht in Kraft": "Not in force on that day",
    "Wie rekonstruiert": "How reconstructed",
    "Grenze an einem Tag zeigen": "Show the boundary on a day",
    "Zeigen": "Show",
    "Die ganze Zeitleiste": "The whole timeline",
    "Zur Projektkarte": "To the project map",
    "Grenze {name} {when}": "Boundary of {name} {when}",
    "Grenze {name} {start} – {until}": "Boundary of {name} {start} – {until}",
}

i18n.register(EN)
