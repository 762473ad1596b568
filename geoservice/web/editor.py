"""The web editor of the Quartiersmanagement's office staff: /edit (login, project list, forms).

Every write takes the API's steps (geoservice/api/edit.py) in the same order:
  1. auth      a logged-in session (Flask-Login) whose role may write projects (auth.may_write, 403)
  2. locking   the record id the form was loaded from, passed as Put/Retire(expect=...) (409 page)
  3. domain    editing.check(): the import's rules on the one feature, derived area_id (400 form)
  4. store     store.write(): one transaction, author = account name, public role = organisation
  5. serve     holder.maybe_reload(force=True): this instance serves the new state at once
Every form carries a CSRF token (Flask-WTF; CSRFProtect refuses a POST without one with 400).
Text typed by an editor is only ever rendered by autoescaping templates or textContent.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import flask_login
import shapely
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from geoservice import auth, http
from geoservice.domain import areas as area_domain
from geoservice.domain import clock, editing
from geoservice.domain import history as diffs
from geoservice.domain.clock import LOCAL_TZ
from geoservice.domain.schema import PROJECTS
from geoservice.errors import Conflict, Forbidden, InvalidParameter, NotFound, PreconditionFailed
from geoservice.http import _
from geoservice.storage.geojson import features_from_frame
from geoservice.storage.sql import Author, Put, Retire
from geoservice.web import pages, places
from geoservice.web.editor_forms import (
    COORD_DECIMALS,
    FORM_FIELDS,
    LOCATION,
    STATUSES,
    TEXT_FIELDS,
    YEAR_FIELDS,
    LoginForm,
    LogoutForm,
    ProjectForm,
    RetireForm,
    StatusForm,
    parse_number,
)

bp = Blueprint("editor", __name__, url_prefix="/edit")

# --------------------------------------------------------------------------- helpers

def _holder():
    return current_app.extensions["geoservice"]


def _account():
    return auth.session_account()


def _require_writer():
    """Return the session's account if its role may write projects; 403 otherwise."""
    account = _account()
    if account is None or not auth.may_write(account, PROJECTS):
        role = account.role if account else "-"
        raise Forbidden(f"the role '{role}' may not change projects; ask an administrator")
    return account


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _project(fid: str):
    """Return a live project's row of the serving dataset, or raise NotFound."""
    data = http.dataset()
    if fid not in data.projects.index:
        raise NotFound(f"project '{fid}' does not exist (or was retired)")
    return data.projects.loc[fid]


def _properties_of(row) -> dict:
    return {name: _plain(row.get(name)) for name in PROJECTS.fields}


def _point_of(geom) -> shapely.Point | None:
    if geom is None or geom.is_empty:
        return None
    return geom if geom.geom_type == "Point" else geom.representative_point()


def _form_values(row) -> dict:
    """Return the form's initial values from a stored project."""
    props = _properties_of(row)
    values = {name: ("" if props.get(name) is None else str(props[name])) for name in FORM_FIELDS}
    point = _point_of(row.geometry)
    if point is not None:
        values["lon"] = f"{point.x:.{COORD_DECIMALS}f}"
        values["lat"] = f"{point.y:.{COORD_DECIMALS}f}"
    return values


def _draft_properties(form: ProjectForm) -> dict:
    props = {}
    for name in TEXT_FIELDS:
        value = (form[name].data or "").strip()
        props[name] = value or None
    for name in YEAR_FIELDS:
        value = (form[name].data or "").strip()
        props[name] = int(value) if value.isdigit() else (value or None)
    return props


def _draft_geometry(form: ProjectForm, original=None):
    """Return the point typed or clicked; a line or area stays as it was unless it was moved."""
    lon, lat = parse_number(form.lon.data), parse_number(form.lat.data)
    if lon is None or lat is None:
        return None
    if original is not None and original.geom_type != "Point":
        rep = _point_of(original)
        if round(rep.x, COORD_DECIMALS) == round(lon, COORD_DECIMALS) and \
                round(rep.y, COORD_DECIMALS) == round(lat, COORD_DECIMALS):
            return original
    return shapely.Point(lon, lat)


def _fields_of(problem: str) -> list[str]:
    """Return the form fields a domain problem names, earliest named first ([] for the top)."""
    if problem.startswith("unknown propert") or problem.startswith("id "):
        return []
    found = []
    for name in FORM_FIELDS:
        match = re.search(rf"(?<![a-z_]){name}(?![a-z_])", problem)
        if match:
            found.append((match.start(), name))
    if "geometry" in problem:
        found.append((problem.index("geometry"), LOCATION))
    return [name for _pos, name in sorted(found)]


def _attach(form: ProjectForm, problems: list[str]) -> list[str]:
    """Put each problem next to the field it names; return the rest (shown at the top).

    A problem about a field the form's own validators already flagged is dropped: the form said
    it in the page's language (e.g. an end year before the start year).
    """
    rest = []
    for problem in problems:
        names = _fields_of(problem)
        if not names:
            rest.append(problem)
        elif not any(_has_form_error(form, name) for name in names):
            form.extra_errors.setdefault(names[0], []).append(problem)
    return rest


def _has_form_error(form: ProjectForm, name: str) -> bool:
    if name == LOCATION:
        return bool(form.lon.errors or form.lat.errors)
    return bool(form[name].errors)


def _write(account, note: str, kind: str, op):
    """The store write and the reload, exactly as the API does it (api/edit.py `_write`)."""
    holder = _holder()
    result = holder.store.write(Author(account.name, account.organisation), note, kind, [op])
    holder.maybe_reload(force=True)
    return result


def _expected(form) -> int | None:
    raw = (form.record_id.data or "").strip()
    return int(raw) if raw.isdigit() else None


def _when(moment: datetime | None) -> str:
    """Format a naive UTC time of the store in Dresden's time for the UI language."""
    if moment is None:
        return ""
    local = moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    return local.strftime("%d.%m.%Y %H:%M") if g.get("lang") == "de" else local.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class LastChange:
    recorded_at: datetime
    note: str
    author: str
    author_role: str
    kind: str


def last_changes(store) -> dict[str, LastChange]:
    """Return the change that made each project's current record (one query in the store)."""
    return {fid: LastChange(row.recorded_at, row.note, row.author, row.author_role, row.kind)
            for fid, row in store.last_changes(PROJECTS.name).items()}


def field_labels() -> dict[str, str]:
    """Return the translated label of every project field (also used by the history's diffs)."""
    return {
        "title": _("Titel"), "description": _("Beschreibung"), "category": _("Kategorie"),
        "start_year": _("Beginn (Jahr)"), "end_year": _("Ende (Jahr)"), "status": _("Status"),
        "status_note": _("Stand (Anmerkung zum Status)"), "address": _("Adresse"),
        "funding": _("Förderung"), "location_accuracy": _("Lagegenauigkeit"),
        "location_method": _("Wie der Ort bestimmt wurde"), "source": _("Quelle"),
        "area_id": _("Fördergebiet"), "id": _("Kennung"),
    }


def accuracy_labels() -> dict[str, str]:
    return {"address": _("Adresse"), "street": _("Straße"), "approximate": _("ungefähr")}


def _kind_label(kind: str) -> str:
    return {"seed": _("Erstbefüllung"), "import": _("Import"), "update": _("Bearbeitung"),
            "replace": _("Bearbeitung"), "create": _("Neuanlage"),
            "retire": _("Stilllegung")}.get(kind, kind)


def _distance(value: float) -> str:
    text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return text.replace(".", ",") if g.get("lang") == "de" else text


def _summary(diff: diffs.RecordDiff) -> str:
    if diff.status == diffs.CREATED:
        return _("angelegt")
    if diff.status == diffs.RETIRED:
        return _("stillgelegt (nicht mehr veröffentlicht; bleibt in der Historie)")
    labels = field_labels()
    parts = []
    if diff.status == diffs.RESTORED:
        parts.append(_("wieder angelegt"))
    if diff.fields:
        parts.append(_("geändert: {fields}", fields=", ".join(labels.get(f.name, f.name) for f in diff.fields)))
    if diff.geometry is not None:
        if diff.geometry.kind == "point":
            parts.append(_("um {distance} m verschoben", distance=_distance(diff.geometry.moved_m)))
        else:
            parts.append(_("Geometrie um bis zu {distance} m verschoben",
                           distance=_distance(diff.geometry.moved_m)))
    return "; ".join(parts) or _("keine inhaltliche Änderung")


def _status_note(status: str) -> str:
    # change notes are data, kept in German like every text of the register
    return f"Status auf {status} gesetzt"


def _edit_map(point=None) -> dict[str, Markup]:
    """Build the form's map: areas in force today, the project's point, click/drag to place it."""
    from geoservice.web import (
        maps,  # folium loads with the first map (as in pages.py)
        pages,
    )
    from geoservice.web.leaflet import AreaLayer, MapCall

    data = http.dataset()
    if point is not None:
        bounds = point.buffer(0.004).bounds
    else:
        bounds = data.funding_areas.total_bounds
    m = maps._base_map(data, pages._static_url(), _("Karte: klicken, um den Projektort zu setzen"), _,
                       bounds, "min(55vh, 460px)")
    maps._tiles(m, pages._tiles(), _)
    maps._context(m, data, _)
    today = area_domain.versions_on(data.funding_areas, clock.today())
    AreaLayer(data_json=maps.embedded_json(data, "areas"), colours=maps.area_colours(data),
              strings=maps.area_strings(_), initial_year=None, initial_ids=list(today["id"]),
              label=_("Fördergebiete")).add_to(m)
    MapCall("editorPoint", {
        "form": "project-form", "status": "map-status",
        "marker": _("Projektort: ziehen oder mit den Pfeiltasten verschieben"),
        "placed": _("Ort gesetzt: Länge {lon}, Breite {lat}"),
    }).add_to(m)
    maps._notice(m, _, "#location")
    maps._finish(m, _)
    return {k: Markup(v) for k, v in maps.components(m).items()}


def _preview_strings() -> dict:
    from geoservice.web import maps

    return maps.project_strings(_)


def _categories() -> list[str]:
    return sorted({str(c) for c in http.dataset().projects["category"] if c})


def _render_form(form: ProjectForm, fid: str | None, status: int = 200, conflict: bool = False,
                 top_errors: list[str] | None = None, row=None) -> Response:
    point = None
    lon, lat = parse_number(form.lon.data), parse_number(form.lat.data)
    if lon is not None and lat is not None:
        point = shapely.Point(lon, lat)
    elif row is not None:
        point = _point_of(row.geometry)
    html = render_template(
        "editor/form.html", form=form, fid=fid, row=row, conflict=conflict,
        top_errors=top_errors or [], map=_edit_map(point), labels=field_labels(),
        status_options=[(s, s) for s in STATUSES],
        accuracy_options=list(accuracy_labels().items()),
        categories=_categories(), preview_strings=_preview_strings(), location=LOCATION,
        area_id=(_plain(row.get("area_id")) if row is not None else None),
        # the maps' place search: find a street or address, then click there to set the point
        link=pages.link, search_strings=places.check_strings())
    return Response(html, status=status, mimetype="text/html")


def _save(form: ProjectForm, fid: str | None, row=None) -> Response:
    """Validate and write a project form (create when `fid` is None); re-render on any problem.

    The form's own checks and the domain's (editing.check) run together, so one answer shows
    every problem, each next to its field.
    """
    account = _require_writer()
    valid = form.validate()
    holder = _holder()
    creating = fid is None
    title = (form.title.data or "").strip()
    new_fid = editing.new_id(title, holder.store.feature_ids(PROJECTS.name)) if creating else fid
    geometry = _draft_geometry(form, row.geometry if row is not None else None)
    try:
        frame = editing.check(PROJECTS, http.dataset(), editing.Draft(new_fid, _draft_properties(form), geometry))
    except editing.InvalidFeature as exc:
        rest = _attach(form, exc.problems)
        return _render_form(form, fid, 400, top_errors=rest, row=row)
    if not valid:
        return _render_form(form, fid, 400, row=row)
    note = editing.change_note(form.note.data)  # checked by note_text already
    feature = features_from_frame(frame, PROJECTS)[0]
    if creating:
        op = Put(PROJECTS.name, feature, create_only=True)
    else:
        op = Put(PROJECTS.name, feature, expect=_expected(form) or -1)
    try:
        result = _write(account, note, "create" if creating else "update", op)
    except (PreconditionFailed, Conflict):
        return _render_form(form, fid, 409, conflict=True, row=row)
    if result.change_id is None:
        flash(_("Nichts geändert: „{title}“ ist schon so gespeichert.", title=title), "info")
    elif creating:
        flash(_("Angelegt: „{title}“.", title=title), "success")
    else:
        flash(_("Gespeichert: „{title}“.", title=title), "success")
    return redirect(url_for("editor.index") + f"#p-{quote(new_fid, safe='')}", 303)


# --------------------------------------------------------------------------- session handling

@bp.after_request
def _private(response: Response) -> Response:
    # personal pages: never kept by a browser, a proxy or the response cache in front of Flask
    # (cache.py keeps no answer marked no-store or private)
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


@bp.app_context_processor
def _editor_helpers() -> dict:
    return {"editor_account": _account, "logout_form": LogoutForm}


# --------------------------------------------------------------------------- routes

@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form: name + password; throttled per account and address (429)."""
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            account = auth.login(form.name.data.strip(), form.password.data)
        except auth.TooManyAttempts:
            minutes = int(float(current_app.config["LOGIN_WINDOW_MINUTES"]))
            error = _("Zu viele fehlgeschlagene Anmeldungen für dieses Konto von Ihrer Adresse. "
                      "Bitte versuchen Sie es in {minutes} Minuten erneut.", minutes=minutes)
            status = 429
        else:
            if account is None:
                error, status = _("Name oder Passwort falsch."), 401
            else:
                session.clear()  # a new session at login (no fixation), then a fresh CSRF token
                flask_login.login_user(auth.start_session(account))
                # only ever our own page: never a URL taken from the request (no open redirect)
                return redirect(url_for("editor.index"), 303)
    elif request.method == "POST":
        status = 400
    return Response(render_template("editor/login.html", form=form, error=error), status=status,
                    mimetype="text/html")


@bp.post("/logout")
def logout():
    """End the session (POST with CSRF token only: a link cannot log anybody out)."""
    LogoutForm()  # CSRFProtect has checked the token before this view runs
    auth.end_session()
    flask_login.logout_user()
    session.clear()
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("editor.login"), 303)


@bp.get("/")
@bp.get("")  # registered first: url_for() builds /edit
@flask_login.login_required
def index():
    """Every live project with its status, last change and the actions."""
    return _render_index()


def _render_index(status: int = 200, conflict_fid: str | None = None) -> Response:
    data = http.dataset()
    account = _account()
    latest = last_changes(_holder().store)
    rows = []
    for fid, row in data.projects.sort_values("title", kind="stable").iterrows():
        change = latest.get(fid)
        rows.append({
            "id": fid, "title": row["title"], "status": row["status"], "category": row["category"],
            "record_id": data.record_id(PROJECTS.name, fid),
            "when": _when(change.recorded_at) if change else "",
            "iso": change.recorded_at.replace(tzinfo=UTC).isoformat() if change else "",
            "note": change.note if change else "",
            "by": (change.author if account.role == "admin" else change.author_role) if change else "",
        })
    html = render_template("editor/index.html", rows=rows, statuses=STATUSES,
                           may_write=auth.may_write(account, PROJECTS), conflict_fid=conflict_fid,
                           status_form=StatusForm(formdata=None), status_note=_status_note)
    return Response(html, status=status, mimetype="text/html")


@bp.post("/projects/<fid>/status")
@flask_login.login_required
def set_status(fid: str):
    """One-click status change from the list (default note "Status auf X gesetzt")."""
    account = _require_writer()
    form = StatusForm()
    if not form.validate():
        raise InvalidParameter("status must be one of " + ", ".join(STATUSES))
    try:
        row = _project(fid)
    except NotFound:
        return _render_index(409, conflict_fid=fid)
    note = (form.note.data or "").strip() or _status_note(form.status.data)
    try:
        note = editing.change_note(note)
    except InvalidParameter:
        note = _status_note(form.status.data)
    props = {**_properties_of(row), "status": form.status.data}
    props.pop("area_id", None)
    try:
        frame = editing.check(PROJECTS, http.dataset(), editing.Draft(fid, props, row.geometry))
        feature = features_from_frame(frame, PROJECTS)[0]
        result = _write(account, note, "update", Put(PROJECTS.name, feature, expect=_expected(form) or -1))
    except (PreconditionFailed, Conflict):
        return _render_index(409, conflict_fid=fid)
    if result.change_id is not None:
        flash(_("Status von „{title}“ auf {status} gesetzt.", title=row["title"], status=form.status.data),
              "success")
    return redirect(url_for("editor.index") + f"#p-{quote(fid, safe='')}", 303)


@bp.route("/projects/new", methods=["GET", "POST"])
@flask_login.login_required
def new_project():
    """Create a project: every field, a point set on the map, a change note."""
    _require_writer()
    form = ProjectForm(data={"status": "geplant", "location_accuracy": "address"})
    if request.method == "POST":
        return _save(form, None)
    return _render_form(form, None)


@bp.route("/projects/<fid>", methods=["GET", "POST"])
@flask_login.login_required
def edit_project(fid: str):
    """Change a project; the hidden record id makes a concurrent change a conflict, not a loss."""
    _require_writer()
    if request.method == "POST":
        form = ProjectForm()
        if fid not in http.dataset().projects.index:  # retired meanwhile: keep what was typed
            return _render_form(form, fid, 409, conflict=True)
        return _save(form, fid, _project(fid))
    row = _project(fid)
    values = _form_values(row)
    values["record_id"] = str(http.dataset().record_id(PROJECTS.name, fid) or "")
    return _render_form(ProjectForm(data=values), fid, row=row)


@bp.route("/projects/<fid>/retire", methods=["GET", "POST"])
@flask_login.login_required
def retire_project(fid: str):
    """Retire a project after an explicit confirmation (a checkbox, no script needed)."""
    account = _require_writer()
    row = _project(fid)
    form = RetireForm(data={"record_id": str(http.dataset().record_id(PROJECTS.name, fid) or "")})
    status, conflict = 200, False
    if request.method == "POST":
        if form.validate():
            try:
                _write(account, editing.change_note(form.note.data), "retire",
                       Retire(PROJECTS.name, fid, expect=_expected(form) or -1))
            except (PreconditionFailed, Conflict, NotFound):
                status, conflict = 409, True
            else:
                flash(_("Stillgelegt: „{title}“. Es bleibt in der Historie.", title=row["title"]), "success")
                return redirect(url_for("editor.index"), 303)
        else:
            status = 400
    html = render_template("editor/retire.html", form=form, row=row, fid=fid, conflict=conflict)
    return Response(html, status=status, mimetype="text/html")


@bp.get("/projects/<fid>/history")
@flask_login.login_required
def project_history(fid: str):
    """Every record of a project with a readable diff; admins see account names."""
    account = _account()
    found = _holder().store.history(PROJECTS.name, fid)
    if not found:
        raise NotFound(f"project '{fid}' has no record")
    states = [diffs.RecordState(r.properties, shapely.from_wkb(r.wkb) if r.wkb else None, r.retired)
              for r in found]
    labels = field_labels()
    entries = []
    for record, diff in zip(found, diffs.diff_history(states), strict=True):
        entries.append({
            "when": _when(record.recorded_from),
            "iso": record.recorded_from.replace(tzinfo=UTC).isoformat(),
            "change_id": record.change_id, "kind": _kind_label(record.kind),
            "summary": _summary(diff), "note": record.note,
            "by": record.author if account.role == "admin" else record.author_role,
            "fields": [{"label": labels.get(f.name, f.name), "name": f.name, "before": f.before,
                        "after": f.after} for f in diff.fields],
            "moved": diff.geometry,
        })
    entries.reverse()  # newest first: what the office wants to see
    live = fid in http.dataset().projects.index
    title = found[-1].properties.get("title") or fid
    return Response(render_template("editor/history.html", entries=entries, fid=fid, title=title,
                                    live=live, admin=account.role == "admin"),
                    mimetype="text/html")


def register(app) -> None:
    """Register the editor blueprint."""
    app.register_blueprint(bp)
