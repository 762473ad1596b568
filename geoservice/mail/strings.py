"""English of the e-mail subscriptions: the form and its pages, the mails (German is the source).
The administrators' list is the editor's (web/strings_editor.py)."""

from geoservice import i18n

EN = {
    # the pages
    "Änderungen per E-Mail": "Changes by e-mail",
    "Änderungen per E-Mail erhalten": "Get changes by e-mail",
    "Sie erhalten eine E-Mail, wenn sich an {scope} etwas ändert: was sich änderte, wann, mit der "
    "Notiz der Redaktion und einem Link. Zuerst kommt eine E-Mail mit einem Bestätigungslink; erst "
    "nach der Bestätigung schreiben wir Ihnen. Jede E-Mail enthält einen Link zum Abbestellen.":
        "You get an e-mail when something changes in {scope}: what changed, when, with the "
        "editors' note and a link. First comes an e-mail with a confirmation link; only after you "
        "confirm do we write to you. Every e-mail has a link to unsubscribe.",
    "Was mit Ihrer Adresse geschieht": "What happens to your address",
    "Zu viele Anfragen von Ihrem Anschluss oder für diese Adresse in der letzten Stunde. Bitte "
    "versuchen Sie es später noch einmal.":
        "Too many requests from your connection or for this address in the last hour. Please try "
        "again later.",
    "Die Bestätigungs-E-Mail konnte gerade nicht versandt werden; Ihre Adresse wurde nicht "
    "gespeichert. Bitte versuchen Sie es später noch einmal.":
        "The confirmation e-mail could not be sent just now; your address was not stored. Please "
        "try again later.",
    "Ihre E-Mail-Adresse": "Your e-mail address",
    "Wie oft?": "How often?",
    "Sprache der E-Mails": "Language of the e-mails",
    "Bestätigungs-E-Mail anfordern": "Send me the confirmation e-mail",
    "Fast fertig: Wir haben eine E-Mail an {email} geschickt. Bitte bestätigen Sie das Abonnement "
    "({scope}) innerhalb eines Tages mit dem Link darin; sonst wird die Adresse gelöscht.":
        "Almost done: we have sent an e-mail to {email}. Please confirm the subscription ({scope}) "
        "within a day with the link in it; otherwise the address is deleted.",
    "Möchten Sie E-Mails über Änderungen an {scope} erhalten?":
        "Do you want e-mails about changes in {scope}?",
    "Ja, Abonnement bestätigen": "Yes, confirm the subscription",
    "Ihr Abonnement ist bestätigt: Sie erhalten Änderungen an {scope} {frequency}. Jede E-Mail "
    "enthält einen Link zum Abbestellen.":
        "Your subscription is confirmed: you get the changes in {scope} {frequency}. Every e-mail "
        "has a link to unsubscribe.",
    "Keine E-Mails mehr über Änderungen an {scope}?": "No more e-mails about changes in {scope}?",
    "Abbestellen und Adresse löschen": "Unsubscribe and delete the address",
    "Abbestellt. Dieses Abonnement und seine Adresse sind gelöscht; Sie erhalten dazu keine "
    "E-Mails mehr.":
        "Unsubscribed. This subscription and its address are deleted; you will get no more e-mails "
        "about it.",
    "Dieser Bestätigungslink ist älter als einen Tag und gilt nicht mehr. Bitte abonnieren Sie "
    "noch einmal.":
        "This confirmation link is older than a day and no longer valid. Please subscribe again.",
    "Dieser Link ist ungültig oder das Abonnement besteht nicht mehr.":
        "This link is not valid, or the subscription no longer exists.",
    "Bitte geben Sie Ihre E-Mail-Adresse an.": "Please enter your e-mail address.",
    "Diese E-Mail-Adresse ist zu lang.": "This e-mail address is too long.",
    "Das ist keine gültige E-Mail-Adresse (Beispiel: name@example.org).":
        "This is not a valid e-mail address (example: name@example.org).",
    # what a subscription covers, how often
    "alle Fördergebiete und Projekte": "all funding areas and projects",
    "das Fördergebiet {name}": "the funding area {name}",
    "das Projekt „{title}“": "the project “{title}”",
    "sofort bei jeder Änderung": "right after each change",
    "einmal täglich": "once a day",
    # the mails
    "Bitte bestätigen Sie Ihr Abonnement: {scope}": "Please confirm your subscription: {scope}",
    "Guten Tag,": "Hello,",
    "jemand – hoffentlich Sie – möchte an diese Adresse E-Mails über Änderungen an {scope} "
    "erhalten ({frequency}).":
        "someone – hopefully you – wants e-mails about changes in {scope} sent to this address "
        "({frequency}).",
    "Bitte bestätigen Sie das innerhalb eines Tages mit diesem Link:":
        "Please confirm this within a day with this link:",
    "Wenn Sie das nicht waren, brauchen Sie nichts zu tun: Ohne Bestätigung wird die Adresse nach "
    "einem Tag gelöscht. Sofort löschen:":
        "If this was not you, there is nothing to do: without confirmation the address is deleted "
        "after a day. Delete it now:",
    "Neu im Register: Änderungen an {scope}.": "New in the register: changes in {scope}.",
    "… und {count} weitere Änderungen:": "… and {count} more changes:",
    "Sie erhalten diese E-Mail ({frequency}), weil Sie Änderungen an {scope} abonniert haben.":
        "You get this e-mail ({frequency}) because you subscribed to the changes in {scope}.",
    "Abbestellen mit einem Klick:": "Unsubscribe with one click:",
    "Abbestellen mit einem Klick": "Unsubscribe with one click",
    "{scope}: eine Änderung": "{scope}: one change",
    "{scope}: {count} Änderungen": "{scope}: {count} changes",
    # shared with the feeds (api/strings.py), for the mails sent outside a request
    "Zeit (Dresden)": "Time (Dresden)",
    "Was sich änderte": "What changed",
    "geändert": "changed",
    # the privacy page's part (templates/pages/privacy.html)
    "Wenn Sie Änderungen per E-Mail abonnieren, speichert der Dienst Ihre E-Mail-Adresse, worüber "
    "Sie benachrichtigt werden möchten (alles, ein Fördergebiet oder ein Projekt), die Sprache und "
    "die Häufigkeit der E-Mails, die Zeit der Anmeldung und der Bestätigung, bis zu welcher "
    "Änderung Sie schon benachrichtigt wurden, und eine Prüfsumme des Zufallsschlüssels Ihrer "
    "Bestätigungs- und Abbestell-Links. Mehr nicht.":
        "When you subscribe to changes by e-mail, the service stores your e-mail address, what "
        "you want to hear about (everything, one funding area or one project), the language and "
        "frequency of the e-mails, when you subscribed and confirmed, up to which change you have "
        "been notified, and a checksum of the random key of your confirmation and unsubscribe "
        "links. Nothing else.",
    "Erst wenn Sie den Link der Bestätigungs-E-Mail öffnen und bestätigen, schickt der Dienst Ihnen "
    "Änderungen (Double-Opt-in). Eine nicht bestätigte Adresse wird nach einem Tag gelöscht. Um "
    "Missbrauch zu verhindern, zählt der Dienst die Anfragen je Anschluss und je E-Mail-Adresse "
    "mit einem Prüfwert (HMAC), nicht mit der IP- oder E-Mail-Adresse selbst; diese Prüfwerte "
    "werden nach einem Tag gelöscht.":
        "The service sends you changes only after you open the link of the confirmation e-mail "
        "and confirm (double opt-in). An address that is not confirmed is deleted after a day. "
        "Against abuse, the service counts the requests per connection and per e-mail address "
        "with a checksum (HMAC), not with the IP or e-mail address itself; these checksums are "
        "deleted after a day.",
    "Die E-Mails gehen über den Mailserver {host}, den der Betreiber bestimmt hat. Die Adressen "
    "sehen nur die Administratorinnen und Administratoren dieses Dienstes; sie gehen an keinen "
    "Dritten.":
        "The e-mails go through the mail server {host} chosen by the operator. Only the "
        "administrators of this service see the addresses; they are given to no third party.",
    "Das Anmeldeformular legt wie das Rückmeldeformular im Cookie „session“ einen Schutzschlüssel "
    "gegen gefälschte Formulare (CSRF) ab; er endet, wenn Sie den Browser schließen.":
        "Like the feedback form, the subscription form keeps a key against forged forms (CSRF) in "
        "the cookie “session”; it ends when you close the browser.",
    "Löschen: Jede E-Mail enthält einen Link zum Abbestellen; er löscht das Abonnement mit der "
    "Adresse sofort. Sie können die Löschung auch bei der verantwortlichen Stelle verlangen.":
        "Deletion: every e-mail has a link to unsubscribe; it deletes the subscription with the "
        "address at once. You can also ask the controller to delete it.",
}

i18n.register(EN)
