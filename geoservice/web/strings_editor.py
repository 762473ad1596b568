"""English translations of the web editor's newer strings (German is the source): the retired
list, restore, undo, search and Flask-Login's request to log in."""

from geoservice import i18n

LOGIN_MESSAGE = "Bitte melden Sie sich an, um diese Seite zu sehen."

EN = {
    LOGIN_MESSAGE: "Please sign in to see this page.",
    "Wiederhergestellt: „{title}“": "Restored: “{title}”",
    "Wiederhergestellt: „{title}“.": "Restored: “{title}”.",
    "Rückgängig machen": "Undo",
    "Status wieder auf {status} gesetzt (rückgängig)": "Status set back to {status} (undone)",
    "Stillgelegte Projekte": "Retired projects",
    "Keine stillgelegten Projekte.": "No retired projects.",
    "Stillgelegt am": "Retired on",
    "Wiederherstellen": "Restore",
    "Projekte suchen": "Search projects",
    "Titel, Kategorie oder Kennung": "Title, category or identifier",
    "Suchen": "Search",
    "Alle zeigen": "Show all",
    "{n} von {total} veröffentlichten Projekten": "{n} of {total} published projects",
    "Ein stillgelegtes Projekt wird mit seinem letzten Stand wieder veröffentlicht; die Wiederherstellung erscheint in der Historie.":  # noqa: E501
        "A retired project is published again with its last content; the restoration shows in the "
        "history.",
    "Status von „{title}“ wieder auf {status} setzen": "Set the status of “{title}” back to {status}",
}

i18n.register(EN)
