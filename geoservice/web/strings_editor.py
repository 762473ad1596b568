"""English translations of the web editor's newer strings (German is the source): the retired
list, restore, undo, search and Flask-Login's request to log in."""

from geoservice import i18n

LOGIN_MESSAGE = "Bitte melden Sie sich an, um diese Seite zu sehen."

EN = {
    # the administrators' view of the accessibility feedback (web/legal.py, editor/feedback.html)
    "Rückmeldungen": "Feedback",
    "Rückmeldungen zur Barrierefreiheit": "Accessibility feedback messages",
    "Noch keine Rückmeldungen.": "No feedback yet.",
    "Nachricht {number} vom {when}": "Message {number} of {when}",
    "Kontakt": "Contact",
    "Seite": "Page",
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
    # the administrators' list of e-mail subscriptions (geoservice/mail/views.py)
    "E-Mail-Abonnements": "E-mail subscriptions",
    "Die Adressen sieht nur, wer die Rolle Administration hat. Löschen Sie auf Wunsch einer Person "
    "ihr Abonnement oder alle Abonnements ihrer Adresse.":
        "Only administrators see the addresses. Delete a person's subscription, or every "
        "subscription of their address, when they ask for it.",
    "Es ist kein SMTP-Server eingerichtet: Das Abonnieren wird nicht angeboten und es werden "
    "keine E-Mails versandt.":
        "No SMTP server is configured: subscribing is not offered and no e-mails are sent.",
    "{count} Abonnements gelöscht.": "{count} subscriptions deleted.",
    "Adresse suchen": "Find an address",
    "Alle Abonnements dieser Adresse löschen": "Delete every subscription of this address",
    "Löschen": "Delete",
    "Keine Abonnements.": "No subscriptions.",
    "Abonnements, neueste zuerst": "Subscriptions, newest first",
    "Adresse": "Address",
    "Worüber": "About",
    "Wie oft": "How often",
    "Sprache": "Language",
    "Angemeldet": "Requested",
    "Bestätigt": "Confirmed",
    "noch nicht": "not yet",
    "Abonnement {number} löschen": "Delete subscription {number}",
    "alle Fördergebiete und Projekte": "all funding areas and projects",
    "das Fördergebiet {name}": "the funding area {name}",
    "das Projekt „{title}“": "the project “{title}”",
    "sofort bei jeder Änderung": "right after each change",
    "einmal täglich": "once a day",
    # the XPlanGML upload (web/editor_xplan.py, templates/editor/xplan.html)
    "XPlanGML importieren": "Import XPlanGML",
    "Amtlichen Plan importieren (XPlanGML {version})": "Import an official plan (XPlanGML {version})",
    "Jedes SO_Gebiet (Gebietsart 1400, Soziale Stadt) der Datei wird ein Grenzstand. Ein ersetzter Grenzstand bleibt in der Historie; die anderen bleiben unverändert.":  # noqa: E501
        "Each SO_Gebiet (area type 1400, Soziale Stadt) of the file becomes a boundary version. A "
        "replaced version stays in the history; the others stay as they are.",
    "Nicht importiert, nichts gespeichert:": "Not imported, nothing saved:",
    "XPlanGML-Datei": "XPlanGML file",
    "Welcher Plan, welcher Beschluss? Die Notiz erscheint in der öffentlichen Historie.":
        "Which plan, which decision? The note appears in the public history.",
    "Ersetzt den Grenzstand (Kennung, optional)": "Replaces the boundary version (identifier, optional)",
    "Gebiet (Kennung), wenn die Datei keins nennt": "Area (identifier) if the file names none",
    "Programm, wenn die Datei keins nennt": "Programme if the file names none",
    "Importieren": "Import",
    "Bitte eine XPlanGML-Datei wählen.": "Please choose an XPlanGML file.",
    "Bitte ein Programm aus der Liste wählen.": "Please choose a programme from the list.",
    "Importiert: {new} neu, {changed} geändert, {unchanged} unverändert.":
        "Imported: {new} new, {changed} changed, {unchanged} unchanged.",
    "Nichts geändert: diese Grenzstände sind schon so gespeichert.":
        "Nothing changed: these boundary versions are already stored like this.",
}

i18n.register(EN)
