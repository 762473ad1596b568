"""Atom feeds (RFC 4287) of the register's public changes, built with feedgen.

Four scopes: the whole register (`/feed`), one collection (`/collections/{c}/feed`), one feature
(`/collections/{c}/items/{id}/feed`: a project) and one funding area (`/areas/{id}/feed`: its
boundary versions and its projects). Each entry is one feature change with the public change
note, the public role (never the account), the time in Dresden, what changed in plain words
(domain/history.py, as in the history document) and links to the feature as it was recorded
then (`recorded=`) and as it is now. German by default, English with `lang=en`. Cached with an
ETag of the state's change id and the request (http.respond()).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import shapely
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from flask import Blueprint, current_app, g, request
from markupsafe import escape

from geoservice.api import history as record_history
from geoservice.api.links import HTML, url
from geoservice.domain import history as diffs
from geoservice.domain.clock import LOCAL_TZ
from geoservice.domain.schema import COLLECTIONS, spec_of
from geoservice.errors import NotFound
from geoservice.http import _, check_params, dataset, request_etag, respond
from geoservice.storage import changelog
from geoservice.writes import kind_label

bp = Blueprint("feeds", __name__)
ATOM = "application/atom+xml"
ENTRIES = 50  # the newest feature changes a feed lists

STATUS_LABELS = {changelog.CREATED: "angelegt", changelog.CHANGED: "geändert", changelog.RETIRED: "stillgelegt"}


class _NoFeedPart(BaseExtension):
    """The feed half of the entry links extension (feedgen wants one)."""


class _EntryLinks(BaseEntryExtension):
    """An entry's links with rel, type and title: feedgen 1.0.0's own entry links lose all but
    href (its loop variable shadows the link data), so the entries' links are written here."""

    def __init__(self):
        self.items: list[dict[str, str]] = []

    def add(self, **attributes: str) -> None:
        self.items.append(attributes)

    def extend_atom(self, entry):
        for attributes in self.items:
            xml_elem("link", entry, **attributes)
        return entry


def _feed_path(scope: str, *ids: str) -> str:
    return {"register": lambda: "feed",
            "collection": lambda: f"collections/{ids[0]}/feed",
            "feature": lambda: f"collections/{ids[0]}/items/{quote(ids[1], safe='')}/feed",
            "area": lambda: f"areas/{quote(ids[0], safe='')}/feed"}[scope]()


def feed_url(scope: str, *ids: str) -> str:
    """Return the absolute URL of a feed: 'register', ('collection', c), ('feature', c, id) or
    ('area', id)."""
    return url(_feed_path(scope, *ids))


def feed_link(scope: str, *ids: str) -> tuple[str, str]:
    """Return (href in the page's language, title) of a feed, for the pages' <link rel=alternate>."""
    # a path, like every other link of a page's head (pages load nothing from other hosts)
    href = (request.script_root + "/" + _feed_path(scope, *ids)
            + ("?lang=en" if g.get("lang") == "en" else ""))
    return href, _("Diese Änderungen als Atom-Feed")


@bp.app_template_global("feed_link")
def _feed_link_global(scope: str, *ids: str) -> tuple[str, str]:
    return feed_link(scope, *ids)


def entry_title(entry: changelog.Entry) -> str:
    """Return what a change's feature is called (its title or name, else its id)."""
    props = entry.properties
    return str(props.get("title") or props.get("name") or entry.fid)


def _geometry(wkb):
    return shapely.from_wkb(wkb) if wkb else None


def what_changed(entry: changelog.Entry) -> str:
    """Return what a feature change changed, in plain words of the current language."""
    before = None
    if entry.before_properties is not None:
        before = diffs.RecordState(entry.before_properties, _geometry(entry.before_wkb),
                                   bool(entry.before_retired))
    diff = diffs.diff_record(before, diffs.RecordState(entry.properties, _geometry(entry.wkb),
                                                       entry.status == changelog.RETIRED))
    return record_history.change_summary(diff)


def dresden_time(entry: changelog.Entry) -> datetime:
    """Return when a change was recorded, in Dresden."""
    return entry.recorded_at.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def _add_entry(fg: FeedGenerator, entry: changelog.Entry, lang: str) -> None:
    item_path = f"collections/{entry.collection}/items/{quote(entry.fid, safe='')}"
    when = dresden_time(entry)
    shown = when.strftime("%d.%m.%Y, %H:%M Uhr") if lang == "de" else when.strftime("%Y-%m-%d %H:%M")
    what = what_changed(entry)
    fe = fg.add_entry(order="append")
    fe.id(url(f"{item_path}/history") + f"#record-{entry.record_id}")
    fe.title(_("{title}: {what}", title=entry_title(entry), what=_(STATUS_LABELS[entry.status])))
    fe.updated(when)
    fe.published(when)
    fe.author(name=entry.author_role)
    fe.category(term=entry.kind, label=kind_label(entry.kind, _))
    rows = [(_("Notiz"), entry.note), (_("Von"), entry.author_role), (_("Zeit (Dresden)"), shown),
            (_("Was sich änderte"), what)]
    fe.summary(f"{entry.note} – {what}")
    html = "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"
    fe.content(html, type="html")
    if entry.status != changelog.RETIRED:
        fe.links.add(href=record_history.recorded_url(COLLECTIONS[entry.collection], entry.fid,
                                                 entry.recorded_at, "html"),
                rel="alternate", type=HTML, title=_("Das Objekt, wie es damals erfasst wurde"))
    if dataset().has(entry.collection, entry.fid):
        fe.links.add(href=url(item_path, f="html"), rel="related", type=HTML, title=_("Das Objekt heute"))
    fe.links.add(href=url(f"{item_path}/history", f="html"), rel="via" if entry.status == changelog.RETIRED
            else "related", type=HTML, title=_("Alle Fassungen des Objekts"))


def _feed(scope: tuple[str, ...], title: str, entries: list[changelog.Entry], page: str):
    lang = g.get("lang", "de")
    data = dataset()

    def build() -> bytes:
        fg = FeedGenerator()
        fg.register_extension("links", _NoFeedPart, _EntryLinks, atom=True, rss=False)
        self_url = feed_url(*scope)
        fg.id(self_url)
        fg.title(title)
        fg.subtitle(_("Öffentliche Änderungen mit Notiz, Rolle und Zeit (Dresden)"))
        fg.language(lang)
        fg.link(href=self_url + ("?lang=en" if lang == "en" else ""), rel="self", type=ATOM)
        fg.link(href=page, rel="alternate", type=HTML)
        fg.updated(dresden_time(entries[0]) if entries else data.last_modified)
        fg.generator("geoservice")
        for entry in entries:
            _add_entry(fg, entry, lang)
        return fg.atom_str(pretty=False)

    return respond(build, ATOM, request_etag("feed", str(data.change_id)))


def _engine():
    return current_app.extensions["geoservice"].store.engine


@bp.get("/feed")
def register_feed():
    """The newest public changes of the whole register."""
    check_params(())
    entries = changelog.recent(_engine(), ENTRIES, dataset().change_id, collections=COLLECTIONS)
    return _feed(("register",), _("Änderungen im Register"), entries, url(""))


@bp.get("/collections/<collection_id>/feed")
def collection_feed(collection_id: str):
    """The newest public changes of one collection."""
    spec = spec_of(collection_id)
    check_params(())
    entries = changelog.recent(_engine(), ENTRIES, dataset().change_id, collections=[spec.name])
    return _feed(("collection", spec.name), _("Änderungen: {title}", title=_(spec.title)), entries,
                 url(f"collections/{spec.name}", f="html"))


@bp.get("/collections/<collection_id>/items/<feature_id>/feed")
def feature_feed(collection_id: str, feature_id: str):
    """The public changes of one feature (a project, a boundary version)."""
    spec = spec_of(collection_id)
    entries = changelog.recent(_engine(), ENTRIES, dataset().change_id, collections=[spec.name],
                               fid=feature_id)
    if not entries:
        raise NotFound(f"feature '{feature_id}' has no record in collection '{spec.name}'")
    check_params(())
    return _feed(("feature", spec.name, feature_id), _("Änderungen: {title}", title=entry_title(entries[0])),
                 entries, url(f"collections/{spec.name}/items/{quote(feature_id, safe='')}", f="html"))


@bp.get("/areas/<area_id>/feed")
def area_feed(area_id: str):
    """The public changes of one funding area: its boundary versions and its projects."""
    data = dataset()
    if area_id not in set(data.funding_areas["area_id"]):
        raise NotFound(f"funding area '{area_id}' does not exist; areas: "
                       f"{', '.join(sorted(set(data.funding_areas['area_id'])))}")
    check_params(())
    entries = changelog.recent(_engine(), ENTRIES, data.change_id, area_id=area_id)
    names = data.funding_areas.loc[data.funding_areas["area_id"] == area_id, "name"]
    return _feed(("area", area_id), _("Änderungen im Fördergebiet {area}", area=str(names.iloc[-1])),
                 entries, url(f"areas/{quote(area_id, safe='')}"))

