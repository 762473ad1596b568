"""Place search and the inside check for the map pages: index per snapshot, answer sentences.

The sentences are built here (translated through `_`) so the JSON `text` of /inside, the HTML page
/inside and the map pages' check say the same thing in the same words.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from flask import current_app, g

from geoservice import http
from geoservice.domain import places as domain
from geoservice.http import _
from geoservice.web import strings_places  # noqa: F401  (registers the English UI strings)
from geoservice.web.display import fmt_date


def index() -> domain.PlaceIndex:
    """Return the place index of this request's data snapshot (built once per snapshot)."""
    data = http.dataset()
    features, attribution = domain.read_places(current_app.config["DATA_DIR"])

    def build() -> domain.PlaceIndex:
        return domain.build_index(features, attribution, data.projects,
                                  lambda fid: "/collections/projects/items/" + quote(fid, safe=""))
    return data.memo(("places", "index", current_app.config["DATA_DIR"]), build)


def kind_labels() -> dict[str, str]:
    """Return the translated name of each result kind."""
    return {"street": _("Straße"), "address": _("Adresse"), "stop": _("Haltestelle"),
            "place": _("Ort"), "project": _("Projekt")}


def version_title(version_id: str) -> str:
    """Return the title of a link to a boundary version."""
    return _("Version {id}", id=version_id)


def _last_day(end: date | None) -> date | None:
    return None if end is None else end - timedelta(days=1)


def _distance_text(answer: domain.Answer) -> str:
    d = answer.distance
    if d["near_boundary"]:
        return _("direkt an der Grenze (unter {near} m; die rekonstruierte Grenze kann das nicht "
                 "sicher entscheiden)", near=domain.NEAR_M)
    return _("etwa {distance} m von der Grenze", distance=d["distance_m"])


def answer_text(answer: domain.Answer, day: date, page_name: str | None) -> str:
    """Return the sentence for one version in force on the day."""
    v = answer.version
    lang = g.get("lang", "de")
    if answer.inside:
        text = _("Am {day} lag der Ort innerhalb von {name} ({programme}), {distance}.",
                 day=fmt_date(day, lang), name=v["name"], programme=v["programme"],
                 distance=_distance_text(answer))
    else:
        text = _("Am {day} lag der Ort außerhalb von {name} ({programme}), {distance}.",
                 day=fmt_date(day, lang), name=v["name"], programme=v["programme"],
                 distance=_distance_text(answer))
    if answer.relation == "predecessor" and page_name:
        text += " " + _("{name} ist das Vorgängergebiet von {page}.", name=v["name"], page=page_name)
    elif answer.relation == "successor" and page_name:
        text += " " + _("{name} ist ein Nachfolgegebiet von {page}.", name=v["name"], page=page_name)
    return text


def span_text(report: domain.InsideReport) -> str:
    """Return since when and until when the site has been inside any funding area."""
    lang = g.get("lang", "de")
    if report.current:
        since = fmt_date(report.current.start, lang) if report.current.start else _("Beginn der Daten")
        last = _last_day(report.current.end)
        if last is None:
            return _("Innerhalb eines Fördergebiets seit {since}, ohne Unterbrechung bis heute.",
                     since=since)
        return _("Innerhalb eines Fördergebiets seit {since}, ohne Unterbrechung bis {until}.",
                 since=since, until=fmt_date(last, lang))
    parts = []
    if report.previous:
        parts.append(_("Zuletzt vorher innerhalb bis {until}.",
                       until=fmt_date(_last_day(report.previous.end), lang)))
    if report.following:
        parts.append(_("Innerhalb eines Fördergebiets ab {since}.",
                       since=fmt_date(report.following.start, lang)))
    if not parts:
        return _("Zu keiner Zeit innerhalb eines Fördergebiets.")
    return " ".join(parts)


def report_text(report: domain.InsideReport, page_name: str | None) -> list[str]:
    """Return the answer as sentences: the day's versions first, then the time span."""
    if not report.answers:
        out = [_("Am {day} war kein Fördergebiet in Kraft.", day=fmt_date(report.day, g.get("lang", "de")))]
    else:
        inside = [a for a in report.answers if a.inside]
        if inside:
            chosen = inside
        else:
            nearest = min(report.answers, key=lambda a: a.distance["distance_m"])
            chosen = [nearest]
        out = [answer_text(a, report.day, page_name) for a in chosen]
    out.append(span_text(report))
    return out


def check_strings() -> dict:
    """Return the strings the map pages' inside check and search need in the browser."""
    return {
        "checking": _("Wird geprüft …"),
        "failed": _("Die Prüfung ist gerade nicht möglich: {reason}"),
        "bad_lon": _("Bitte die Länge als Zahl angeben, z. B. 13,7713."),
        "bad_lat": _("Bitte die Breite als Zahl angeben, z. B. 51,0135."),
        "bad_date": _("Bitte ein Datum angeben."),
        "pick": _("Wählen Sie einen Ort: Suchtreffer oder Klick in die Karte."),
        "version": _("Version {id}"),
        "decision": _("Beschluss: {decision}"),
        "street_hint": _("Eine Straße ist kein Punkt: klicken Sie in der Karte auf die Stelle der "
                         "Straße, die Sie prüfen möchten."),
        "no_line": _("Der Straßenverlauf fehlt in unseren Daten; der Rahmen zeigt, wo die bekannten "
                     "Adressen und Haltestellen dieser Straße liegen."),
        "results": _("{n} Treffer"),
        "no_results": _("Keine Treffer"),
        "shown": _("Gezeigt: {name} ({kind})"),
        "kinds": kind_labels(),
        "source": _("Quelle"),
        # the answer at the map (static/js/answer.js)
        "inside": _("Heute im Fördergebiet {names}"),
        "outside": _("Heute in keinem Fördergebiet"),
        "nearest": _("{distance} bis {name}"),
        "at_boundary": _("direkt an der Grenze von {name}"),
        "nearby": _("{n} Projekte im Umkreis von 500 m"),
        "nearby_one": _("1 Projekt im Umkreis von 500 m"),
        "nearby_none": _("Kein Projekt im Umkreis von 500 m"),
        "details": _("Ausführliche Antwort"),
        "close": _("Antwort schließen"),
        # the located position is answered in the browser (it never leaves it): the same sentences
        "span_since": _("Innerhalb eines Fördergebiets seit {since}, ohne Unterbrechung bis heute."),
        "span_start": _("Beginn der Daten"),
        "span_last": _("Zuletzt vorher innerhalb bis {until}."),
        "span_never": _("Zu keiner Zeit innerhalb eines Fördergebiets."),
    }
