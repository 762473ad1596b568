"""How the pages write things: URLs inside the service, numbers (areas to 0.1 ha, distances as
measured to 10 m), days, months, dates as precise as known, moments in Dresden time, periods and
validity ends (the last day in force) in the UI language, the notes on a chosen change year, and
the rows of an items page's table. `template_formats()` hands them to every template.

One home for display helpers used by the map pages, the API's HTML pages and the place texts
(web/places.py, web/timeline.py): it imports nothing of geoservice.web or geoservice.api.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlencode

from flask import g, request, url_for
from markupsafe import Markup, escape

from geoservice.domain import clock
from geoservice.http import _

_URL = re.compile(r"(https?://[^\s;|,]+)")


def link(path: str) -> str:
    """Return an absolute path inside this service (respects a mount prefix)."""
    return request.script_root + path


def project_url(fid: str) -> str:
    """Return the URL of a project's page."""
    return link(f"/collections/projects/items/{quote(fid, safe='')}")


def area_url(area_id: str) -> str:
    """Return the URL of an area's fact sheet."""
    return link(f"/areas/{quote(area_id, safe='')}")


def linkify(text: str | None) -> Markup:
    """Escape text and turn http(s) URLs in it into links (Jinja filter)."""
    if not text:
        return Markup("")
    out = []
    for part in _URL.split(str(text)):
        if _URL.fullmatch(part):
            out.append(Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(part))
        else:
            out.append(escape(part))
    return Markup("").join(out)


# Honest precision (schematic boundaries): areas to 0.1 ha; distances are rounded where they
# are measured (domain.places.honest_distance: 10 m to a reconstructed line) and shown as such.
AREA_DECIMALS = 1


def fmt_number(value: float | None, lang: str, decimals: int = AREA_DECIMALS) -> str:
    """Format a number for the UI language: German '1\u2009234,5' (decimal comma, thin space
    between thousands), English '1,234.5'. The default precision is that of an area in ha."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",") if lang == "de" else text


def fmt_distance(metres: float | None, lang: str) -> str:
    """Format a distance in whole metres for the UI language ('1\u2009240 m'); round it first
    to what the boundary supports (domain.places.honest_distance)."""
    if metres is None or (isinstance(metres, float) and math.isnan(metres)):
        return "–"
    return f"{fmt_number(metres, lang, 0)} m"


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_date(value: date | None, lang: str) -> str:
    """Format a day for the UI language: '13.07.2000' / '13 Jul 2000' (as GS.formatDate)."""
    if value is None:
        return _("offen")
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if lang == "de":
        return value.strftime("%d.%m.%Y")
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def fmt_until(valid_to: date | None, lang: str) -> str:
    """Format the end of a validity as its last day in force (valid_to is exclusive): the one
    convention of every page; an open end is 'heute' (today)."""
    return fmt_date(last_day(valid_to), lang) if valid_to else _("heute")


def fmt_moment(moment: datetime | str | None, lang: str) -> str:
    """Format a moment (aware, naive UTC, or RFC 3339) as Dresden's local day and time:
    '07.12.2026, 13:05' / '7 Dec 2026, 13:05'."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(clock.LOCAL_TZ)
    return f"{fmt_date(local.date(), lang)}, {local:%H:%M}"


def fmt_known(day: date | str, precision: str | None, lang: str) -> str:
    """Format a day no more precisely than it is known: '2004' (year), 'Juli 2004' (month) or
    the full day."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return fmt_month(day.year, day.month, lang)
    return fmt_date(day, lang)


def last_day(valid_to: date | str | None) -> date | None:
    """Return the last day in force of a validity whose end (valid_to) is exclusive."""
    if valid_to is None or valid_to == "":
        return None
    if isinstance(valid_to, str):
        valid_to = date.fromisoformat(valid_to)
    return valid_to - timedelta(days=1)


def fmt_month(year: int, month: int, lang: str) -> str:
    """Format a month known to the month only: 'Juli 2000' / 'Jul 2000'."""
    if lang == "de":
        return f"{MONTHS_DE[month - 1]} {year}"
    return f"{MONTHS_EN[month - 1]} {year}"


MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
             "Oktober", "November", "Dezember")


def template_formats(lang: str) -> dict[str, Callable]:
    """Return the formatting functions every template gets, bound to the page's language: the one
    place pages and the API's HTML take dates, validity ends, numbers, areas and distances from."""
    return {"fmt_date": lambda v: fmt_date(v, lang),
            "fmt_until": lambda v: fmt_until(v, lang),
            "fmt_known": lambda v, precision="day": fmt_known(v, precision, lang),
            "last_day": last_day,
            "fmt_number": lambda v, d=AREA_DECIMALS: fmt_number(v, lang, d),
            "fmt_distance": lambda v: fmt_distance(v, lang),
            "fmt_moment": lambda v: fmt_moment(v, lang)}


def years_text(start: int | None, end: int | None) -> str:
    """Describe a project's years (inclusive; unknown ends stay open)."""
    if start is None and end is None:
        return _("unbekannt")
    if start is None:
        return f"{_('bis')} {end}"
    if end is None:
        return f"{_('seit')} {start}"
    return str(start) if start == end else f"{start}–{end}"


def period_text(raw: str, when) -> str:
    """Describe a compared period: 'im Jahr 2016' or 'am 29.09.2016'."""
    if len(raw) == 4:
        return _("im Jahr {year}", year=raw)
    return _("am {day}", day=fmt_date(when.start, g.lang))


def period_short(raw: str, when) -> str:
    """Name a compared period in a heading: '2016 (ganzes Jahr)' or '29.09.2016'."""
    if len(raw) == 4:
        return _("{year} (ganzes Jahr)", year=raw)
    return fmt_date(when.start, g.lang)


def canonical_period(raw: str, when) -> str:
    """Return one spelling per period and precision: 'YYYY', 'YYYY-MM', a day, or 'start/end'."""
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", raw):
        return raw
    if when.is_instant:
        return when.start.isoformat()
    last = when.end - timedelta(days=1) if when.end else None
    return f"{when.start.isoformat() if when.start else '..'}/{last.isoformat() if last else '..'}"


def period_label(raw: str, when) -> str:
    """Describe a period no more precisely than it was given: 'im Jahr 2004', 'im Juli 2004',
    'am 01.07.2004', or 'vom … bis …' for an interval."""
    text = raw.strip()
    if re.fullmatch(r"[0-9]{4}", text):
        return _("im Jahr {year}", year=text)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        return _("im {month}", month=fmt_month(int(text[:4]), int(text[5:7]), g.lang))
    if when.is_instant:
        return _("am {day}", day=fmt_date(when.start, g.lang))
    last = when.end - timedelta(days=1) if when.end else None
    return _("vom {start} bis {end}", start=fmt_date(when.start, g.lang) if when.start else "…",
             end=fmt_date(last, g.lang) if last else "…")


def change_days(rows, year: int) -> list[date]:
    """Return the days of `year` on which a boundary version began or ended (the first day of
    the new state; valid_to is exclusive)."""
    days = {d for d in list(rows["valid_from"]) + list(rows["valid_to"]) if d is not None}
    return sorted(d for d in days if d.year == year)


def change_year_notes(rows, chosen: dict[str, str], keep: dict[str, str]) -> list[dict]:
    """For each chosen period given as a year with a boundary change, say so and offer the state
    before and after each change as links to this page with that day instead of the year.

    A year counts every version in force during it, so comparing two change years compares
    nearly the same union: the days show what really changed."""
    notes = []
    for name, raw in chosen.items():
        if not (len(raw) == 4 and raw.isdigit()):
            continue
        changes = []
        for day in change_days(rows, int(raw)):
            before, after = day - timedelta(days=1), day

            def href(d: date, name: str = name) -> str:
                return request.path + "?" + urlencode({**keep, **chosen, name: d.isoformat(),
                                                      "lang": g.lang})
            changes.append({"day": fmt_date(day, g.lang),
                            "before": fmt_date(before, g.lang), "before_url": href(before),
                            "after": fmt_date(after, g.lang), "after_url": href(after)})
        if changes:
            notes.append({"name": name, "year": raw, "changes": changes})
    return notes


def status_phases(status: str | None, start: int | None, end: int | None,
                  this_year: int) -> list[tuple[str, str]]:
    """Return (years, status) phases for the project page: 'bis 2018: geplant', ..."""
    if not status or start is None:
        return []
    phases = [(f"{_('bis')} {start - 1}", "geplant")]
    running_to = end if end is not None else start
    if status == "abgeschlossen" and running_to < this_year:
        years = str(start) if running_to == start else f"{start}–{running_to}"
        phases.append((years, "laufend"))
        phases.append((f"{_('ab')} {running_to + 1}" if end is not None else _("später"), status))
    elif status == "geplant":
        phases = [(_("heute"), status)]
    else:
        phases.append((f"{_('seit')} {start}", status))
    return phases


# What url_for() leaves unquoted in a path part (werkzeug's converters, WHATWG path segment).
URL_SAFE = "!$&'()*+,/:;=@"


def item_href(spec) -> Callable[[object], str]:
    """Return fid -> the URL of its item page as HTML: one url_for() pattern for a whole page
    instead of one call per row (the same quoting)."""
    head, tail = url_for("ogc.item", collection_id=spec.name, feature_id="-", f="html").split("/-?")
    return lambda fid: f"{head}/{quote(str(fid), safe=URL_SAFE)}?{tail}"


def items_table(spec, rows, columns: list[str]) -> list[tuple[str, str, dict]]:
    """Return the rows of an items page's table as (id, item page URL, {column: value}),
    read column-wise (a pandas row per table row costs more than the rest of the page)."""
    href = item_href(spec)
    values = zip(rows.index, *(rows[c].tolist() for c in columns), strict=True)
    return [(fid, href(fid), dict(zip(columns, cells, strict=True))) for fid, *cells in values]
