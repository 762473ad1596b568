"""English translations of the imprint, privacy and accessibility pages and the feedback form."""

from geoservice import i18n

EN = {
    "vom Betreiber einzutragen:": "to be filled in by the operator:",
    "Rechtliches": "Legal",
    "Impressum": "Imprint",
    "Datenschutz": "Privacy",
    "Barrierefreiheit": "Accessibility",
    "Barriere melden": "Report a barrier",
    "Name der öffentlichen Stelle": "name of the public body",
    "Anschrift": "postal address",
    "E-Mail:": "E-mail:",
    "Post:": "Post:",
    "Telefon:": "Phone:",
    "E-Mail-Adresse": "e-mail address",
    "Telefonnummer": "phone number",
    # accessibility statement
    "Erklärung zur Barrierefreiheit": "Accessibility statement",
    "Diese Erklärung gilt für diese Website mit ihren Karten, ihrer Daten-Schnittstelle (OGC API – "
    "Features) und ihrer Redaktion.":
        "This statement applies to this website with its maps, its data interface (OGC API – "
        "Features) and its editor.",
    "Betreiber:": "Operator:",
    "Rechtsgrundlage:": "Legal basis:",
    "das für den Betreiber geltende Gesetz und die Verordnung zur Barrierefreiheit":
        "the accessibility act and ordinance that apply to the operator",
    "Sie setzen die Richtlinie (EU) 2016/2102 um; diese Erklärung folgt der Mustererklärung des "
    "Durchführungsbeschlusses (EU) 2018/1523.":
        "They transpose Directive (EU) 2016/2102; this statement follows the model statement of "
        "Implementing Decision (EU) 2018/1523.",
    "Stand der Vereinbarkeit mit den Anforderungen": "Compliance status",
    "Diese Website ist wegen der folgenden Unvereinbarkeiten nur teilweise mit den Anforderungen "
    "vereinbar. Maßstab ist die Norm EN 301 549, die die Erfolgskriterien der WCAG 2.1 in Stufe AA "
    "einschließt.":
        "This website is partially compliant with the requirements, due to the non-compliances "
        "listed below. The measure is the standard EN 301 549, which includes the WCAG 2.1 success "
        "criteria of level AA.",
    "Nicht barrierefreie Inhalte": "Non-accessible content",
    "Die folgenden Inhalte sind nicht barrierefrei, weil sie mit den Anforderungen nicht vereinbar "
    "sind (Unvereinbarkeit). Eine unverhältnismäßige Belastung wird nicht geltend gemacht; die "
    "Mängel sollen behoben werden.":
        "The content below is not accessible because it does not comply with the requirements "
        "(non-compliance). No disproportionate burden is claimed; the defects are to be fixed.",
    "Karten: Mit Tastatur und Bildschirmleser sind die Karten nur eingeschränkt bedienbar. "
    "Gebietsflächen erhalten den Fokus ohne zugänglichen Namen; auf Projektseiten werden die "
    "Buchstaben „H“ der Haltestellen einzeln vorgelesen. Was die Karten zeigen, steht auch als Text "
    "bereit: Gebietsseiten, Projekttabellen, die Prüfung „Lag ein Ort im Fördergebiet?“ und die "
    "Daten-Schnittstelle.":
        "Maps: with a keyboard and a screen reader the maps can be used only in part. Area shapes "
        "take the focus without an accessible name; on project pages the letters \"H\" of the stops "
        "are read out one by one. What the maps show is also available as text: the area pages, "
        "project tables, the check \"Was a place in the funding area?\" and the data interface.",
    "Der Kartenhintergrund (OpenStreetMap) ist eine Grafik ohne Textalternative.":
        "The base map (OpenStreetMap) is an image without a text alternative.",
    "Zielgrößen: Kartenmarkierungen (18 Pixel) sind klein und auf Touchscreens schwer zu treffen.":
        "Target sizes: map markers (18 pixels) are small and hard to hit on touch screens.",
    "Kleine Bildschirme: Einige Tabellen sind sehr lang oder breiter als der Bildschirm "
    "(Gebietsübersicht, Steckbriefe der Gebiete, Vergleichsseite).":
        "Small screens: some tables are very long or wider than the screen (area overview, area "
        "fact sheets, comparison page).",
    "Redaktion (nur für angemeldete Mitarbeitende): Eine Kennung eines Formularfelds kommt doppelt "
    "vor, und Textfelder zeigen den Fokus nur mit einem 1 Pixel breiten Rahmen.":
        "Editor (for logged-in staff only): one form field's id occurs twice, and text areas show "
        "the focus with a 1-pixel outline only.",
    "Informationen in Leichter Sprache und in Deutscher Gebärdensprache bietet diese Website nicht an.":
        "This website offers no information in Easy Language (Leichte Sprache) or German Sign "
        "Language.",
    "Erstellung dieser Erklärung": "Preparation of this statement",
    "Diese Erklärung wurde erstellt am:": "This statement was prepared on:",
    "Datum der Erstellung": "date of preparation",
    "Sie beruht auf einer Selbstbewertung: automatische Prüfungen mit axe-core bei jedem Test der "
    "Software und Prüfungen von Hand in Chromium am Computer und am Telefon, auf Deutsch und Englisch.":
        "It is based on a self-assessment: automated checks with axe-core in every test run of "
        "the software and manual checks in Chromium on desktop and phone, in German and English.",
    "Rückmeldung und Kontakt": "Feedback and contact",
    "Sind Ihnen Mängel beim barrierefreien Zugang aufgefallen, oder brauchen Sie Inhalte in einer "
    "zugänglichen Form? Schreiben Sie uns:":
        "Have you noticed barriers, or do you need content in an accessible form? Write to us:",
    "Rückmeldeformular": "Feedback form",
    "E-Mail-Adresse für Rückmeldungen": "e-mail address for feedback",
    "Nachrichten aus dem Formular werden in der Datenbank dieses Dienstes gespeichert und nur von "
    "dessen Administratorinnen und Administratoren gelesen; sie gehen an keinen Dritten.":
        "Messages from the form are stored in this service's database and read only by its "
        "administrators; they go to no third party.",
    "Durchsetzungsverfahren": "Enforcement procedure",
    "Haben Sie auf Ihre Rückmeldung keine oder keine zufriedenstellende Antwort erhalten, können Sie "
    "sich an die zuständige Durchsetzungsstelle wenden:":
        "If you received no answer or no satisfactory answer to your feedback, you can turn to the "
        "competent enforcement body:",
    "Name, Anschrift und Website der Durchsetzungsstelle":
        "name, address and website of the enforcement body",
    # feedback form
    "Rückmeldung zur Barrierefreiheit": "Accessibility feedback",
    "Vielen Dank. Ihre Nachricht ist gespeichert; die Administratorinnen und Administratoren lesen sie.":
        "Thank you. Your message is stored; the administrators will read it.",
    "Zurück zur Erklärung zur Barrierefreiheit": "Back to the accessibility statement",
    "Beschreiben Sie, was Ihnen den Zugang erschwert hat. Nur die Nachricht ist nötig; geben Sie "
    "eine Kontaktmöglichkeit an, wenn Sie eine Antwort wünschen.":
        "Describe what made access difficult for you. Only the message is needed; give a way to "
        "contact you if you would like an answer.",
    "Was mit Ihren Angaben geschieht": "What happens with your data",
    "Ihre Nachricht": "Your message",
    "Betroffene Seite oder Adresse (freiwillig)": "Page or address concerned (optional)",
    "Ihr Name (freiwillig)": "Your name (optional)",
    "E-Mail oder Telefon für eine Antwort (freiwillig)": "E-mail or phone for an answer (optional)",
    "Nachricht senden": "Send message",
    "Bitte schreiben Sie Ihre Nachricht (mindestens 5 Zeichen).":
        "Please write your message (at least 5 characters).",
    # imprint
    "Anbieter": "Provider",
    "Vertreten durch:": "Represented by:",
    "vertretungsberechtigte Person": "authorised representative",
    "Daten": "Data",
    "Die Gebietsgrenzen sind schematische Rekonstruktionen aus öffentlichen Quellen, nicht die "
    "rechtsverbindlichen Grenzen. Quellen und Lizenzen nennt jede Datensammlung:":
        "The area boundaries are schematic reconstructions from public sources, not the legally "
        "binding boundaries. Each collection names its sources and licences:",
    # privacy
    "Verantwortliche Stelle": "Controller",
    "Datenschutzbeauftragte Person:": "Data protection officer:",
    "Kontakt der oder des Datenschutzbeauftragten": "contact of the data protection officer",
    "Aufruf der Seiten": "Visiting the pages",
    "Diese Website verwendet keine Analyse- oder Werbedienste. Schriften, Skripte und "
    "Kartenbibliotheken kommen vom eigenen Server. Ob und wie lange der Webserver Zugriffe "
    "protokolliert, legt der Betrieb fest; Auskunft gibt die verantwortliche Stelle.":
        "This website uses no analytics or advertising services. Fonts, scripts and map libraries "
        "come from its own server. Whether and for how long the web server logs requests is "
        "decided by its operation; the controller gives information about it.",
    "Kartenhintergrund": "Base map",
    "Der Kartenhintergrund kommt von einem Server, den der Betreiber bestimmt hat; er wird ohne "
    "Rückfrage geladen.":
        "The base map comes from a server chosen by the operator; it is loaded without asking.",
    "Der Kartenhintergrund von OpenStreetMap wird erst geladen, wenn Sie es mit zwei Klicks erlauben "
    "(„Kartenhintergrund laden“, dann „Ja, OpenStreetMap laden“). Erst dann ruft Ihr Browser "
    "Kartenkacheln vom Server {host} ab und übermittelt ihm dabei Ihre IP-Adresse und die üblichen "
    "Angaben Ihres Browsers.":
        "The OpenStreetMap base map is loaded only after you allow it with two clicks (\"Load "
        "base map\", then \"Yes, load OpenStreetMap\"). Only then does your browser fetch map tiles "
        "from the server {host}, sending it your IP address and the usual details of your browser.",
    "Ihre Zustimmung merkt sich Ihr Browser im lokalen Speicher (localStorage, Eintrag "
    "„geoservice.tiles.consent“), bis Sie „Kartenhintergrund entfernen“ wählen; an diesen Dienst "
    "wird sie nicht übertragen.":
        "Your browser remembers your consent in its local storage (localStorage, entry "
        "\"geoservice.tiles.consent\") until you choose \"Remove base map\"; it is not sent to this "
        "service.",
    "Cookies": "Cookies",
    "Sprache: Wählen Sie Deutsch oder English, speichert das Cookie „lang“ diese Wahl für ein Jahr. "
    "Es enthält nur den Sprachcode.":
        "Language: when you choose Deutsch or English, the cookie \"lang\" keeps this choice for a "
        "year. It holds only the language code.",
    "Redaktion: Nach der Anmeldung hält das Sitzungs-Cookie „session“ einen zufälligen Schlüssel der "
    "Sitzung; der Server speichert nur dessen Prüfsumme. Die Sitzung endet mit der Abmeldung, "
    "spätestens nach {hours} Stunden.":
        "Editor: after login, the session cookie \"session\" holds a random key of the session; "
        "the server stores only its hash. The session ends at logout, at the latest after {hours} "
        "hours.",
    "Formulare: Das Rückmeldeformular und die Redaktion legen im Cookie „session“ einen "
    "Schutzschlüssel gegen gefälschte Formulare (CSRF) ab. Er endet, wenn Sie den Browser schließen.":
        "Forms: the feedback form and the editor keep a key against forged forms (CSRF) in the "
        "cookie \"session\". It ends when you close the browser.",
    "Gespeichert werden Ihre Nachricht, die freiwilligen Angaben (Seite, Name, Kontakt), die Sprache "
    "der Seite und die Zeit des Eingangs. Ihre IP-Adresse wird nicht gespeichert, nur ein mit einem "
    "geheimen Schlüssel daraus gebildeter Prüfwert (HMAC), mit dem der Dienst zählt, wie viele "
    "Nachrichten aus einem Anschluss pro Stunde kommen (Schutz vor Missbrauch). Die Nachrichten "
    "lesen nur die Administratorinnen und Administratoren dieses Dienstes; sie gehen an keinen "
    "Dritten.":
        "Stored are your message, the optional details (page, name, contact), the page's language "
        "and the time of receipt. Your IP address is not stored, only a value derived from it with "
        "a secret key (HMAC), by which the service counts how many messages come from one "
        "connection per hour (protection against abuse). Only this service's administrators read "
        "the messages; they go to no third party.",
    "Ihre Rechte": "Your rights",
    "Sie haben das Recht auf Auskunft, Berichtigung, Löschung und Einschränkung der Verarbeitung "
    "Ihrer Daten sowie auf Beschwerde bei einer Datenschutz-Aufsichtsbehörde (Art. 15 bis 18 und 77 "
    "DSGVO). Wenden Sie sich dazu an die verantwortliche Stelle.":
        "You have the right of access, rectification, erasure and restriction of processing of your "
        "data and the right to lodge a complaint with a data protection supervisory authority "
        "(Art. 15 to 18 and 77 GDPR). Contact the controller for this.",
}

i18n.register(EN)
