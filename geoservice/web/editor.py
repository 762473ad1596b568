"""The web editor of the Quartiersmanagement's office staff: /edit (login, project list, forms).

Every write takes the API's steps (geoservice/api/edit.py) in the same order:
  1. auth      a logged-in session (Flask-Login) whose role may write projects (auth.may_write, 403)
  2. locking   the record id the form was loaded from, the `expect` of the write (409 page)
  3. write     geoservice.writes: the import's rules on the one feature, derived area_id (400
               form), one store transaction (author = account name, public role = organisation),
               served by this instance at once
Every form carries a CSRF token (Flask-WTF; CSRFProtect refuses a POST without one with 400).
The pages' parts (form values, problems next to fields, map, diffs) are in web/editor_pages.py.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import quote

import flask_login
import shapely
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from geoservice import auth, http
from geoservice.domain import editing
from geoservice.domain.editing import Draft
from geoservice.domain.schema import PROJECTS
from geoservice.errors import Conflict, Forbidden, InvalidParameter, NotFound, PreconditionFailed
from geoservice.http import _
from geoservice.web import strings_editor  # also registers the English strings
from geoservice.web.editor_forms import (
    STATUSES,
    LoginForm,
    LogoutForm,
    ProjectForm,
    RestoreForm,
    RetireForm,
    StatusForm,
)
from geoservice.web.editor_pages import (
    attach,
    draft_geometry,
    draft_properties,
    form_values,
    history_entries,
    last_changes,
    matches,
    properties_of,
    render_form,
    retired_projects,
    status_note,
    when,
)
from geoservice.writes import Author, Kind, Writes

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


def _project(fid: str):
    """Return a live project's row of the serving dataset, or raise NotFound."""
    row = http.dataset().row(PROJECTS.name, fid)
    if row is None:
        raise NotFound(f"project '{fid}' does not exist (or was retired)")
    return row


def _writes() -> Writes:
    return Writes.of(_holder())


def _author(account) -> Author:
    return Author(account.name, account.organisation)


def _expected(form) -> int | None:
    raw = (form.record_id.data or "").strip()
    return int(raw) if raw.isdigit() else None


def _save(form: ProjectForm, fid: str | None, row=None) -> Response:
    """Validate and write a project form (create when `fid` is None); re-render on any problem.

    The form's own checks and the domain's (editing.check) run together, so one answer shows
    every problem, each next to its field.
    """
    account = _require_writer()
    valid = form.validate()
    writes = _writes()
    creating = fid is None
    title = (form.title.data or "").strip()
    # a new project's id: made from the title, made unique inside the write transaction
    new_fid = editing.slug(title) if creating else fid
    geometry = draft_geometry(form, row.geometry if row is not None else None)
    try:
        feature = writes.checked(PROJECTS, http.dataset(),
                                 editing.Draft(new_fid, draft_properties(form), geometry))
    except editing.InvalidFeature as exc:
        rest = attach(form, exc.problems)
        return render_form(form, fid, 400, top_errors=rest, row=row)
    if not valid:
        return render_form(form, fid, 400, row=row)
    note = editing.change_note(form.note.data)  # checked by note_text already
    try:
        if creating:
            new_fid, result = writes.create(_author(account), note, PROJECTS, feature, fresh_id=True)
        else:
            result = writes.put(_author(account), note, PROJECTS, feature, _expected(form) or -1, Kind.UPDATE)
    except (PreconditionFailed, Conflict):
        return render_form(form, fid, 409, conflict=True, row=row)
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
            error = _("Zu viele fehlgeschlagene Anmeldungen für dieses Konto oder von Ihrer Adresse. "
                      "Bitte versuchen Sie es in {minutes} Minuten erneut.", minutes=minutes)
            status = 429
        except auth.LoginsBusy:  # a flood: answered at once, no password checked
            error = _("Gerade werden zu viele Anmeldungen geprüft. Bitte versuchen Sie es in "
                      "einigen Sekunden erneut.")
            status = 503
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
    response = Response(render_template("editor/login.html", form=form, error=error), status=status,
                        mimetype="text/html")
    if status == 503:
        response.headers["Retry-After"] = "2"
    return response


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
    """Every live project with its status, last change and the actions; the retired ones below
    (restorable); `q` keeps only the projects whose title, category or id contain its words."""
    return _render_index()


def _query() -> str:
    return (request.args.get("q") or "").strip()[:100]


def _render_index(status: int = 200, conflict_fid: str | None = None) -> Response:
    data = http.dataset()
    account = _account()
    admin = account.role == "admin"
    query = _query()
    latest = last_changes(_holder().store)
    rows = []
    for fid, row in data.projects.sort_values("title", kind="stable").iterrows():
        if not matches(query, fid, row["title"], row["category"]):
            continue
        change = latest.get(fid)
        rows.append({
            "id": fid, "title": row["title"], "status": row["status"], "category": row["category"],
            "record_id": data.record_id(PROJECTS.name, fid),
            "when": when(change.recorded_at) if change else "",
            "iso": change.recorded_at.replace(tzinfo=UTC).isoformat() if change else "",
            "note": change.note if change else "",
            "by": (change.author if admin else change.author_role) if change else "",
        })
    undo = session.pop("undo", None)
    html = render_template("editor/index.html", rows=rows, statuses=STATUSES, query=query,
                           total=len(data.projects), undo=undo,
                           retired=retired_projects(_holder().store, admin, query),
                           may_write=auth.may_write(account, PROJECTS), conflict_fid=conflict_fid,
                           status_form=StatusForm(formdata=None), status_note=status_note)
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
    note = (form.note.data or "").strip() or status_note(form.status.data)
    try:
        note = editing.change_note(note)
    except InvalidParameter:
        note = status_note(form.status.data)
    props = {**properties_of(row), "status": form.status.data}
    props.pop("area_id", None)
    try:
        writes = _writes()
        feature = writes.checked(PROJECTS, http.dataset(), editing.Draft(fid, props, row.geometry))
        result = writes.put(_author(account), note, PROJECTS, feature, _expected(form) or -1, Kind.UPDATE)
    except (PreconditionFailed, Conflict):
        return _render_index(409, conflict_fid=fid)
    if result.change_id is not None:
        flash(_("Status von „{title}“ auf {status} gesetzt.", title=row["title"], status=_(form.status.data)),
              "success")
        # offered once on the next list: the previous status written back, based on this record
        # (a later change by anyone makes the undo a conflict, never an overwrite)
        session["undo"] = {"fid": fid, "title": row["title"], "status": row["status"],
                           "record_id": result.records.get((PROJECTS.name, fid))}
    return redirect(url_for("editor.index") + f"#p-{quote(fid, safe='')}", 303)


@bp.post("/projects/<fid>/restore")
@flask_login.login_required
def restore_project(fid: str):
    """Serve a retired project again: a new record of its last content, recorded with a note."""
    account = _require_writer()
    form = RestoreForm()
    found = _holder().store.history(PROJECTS.name, fid)
    if not found:
        raise NotFound(f"project '{fid}' has no record")
    last = found[-1]
    if not last.retired or last.record_id != _expected(form):
        return _render_index(409, conflict_fid=fid)
    title = last.properties.get("title") or fid
    note = (form.note.data or "").strip() or _("Wiederhergestellt: „{title}“", title=title)
    try:
        note = editing.change_note(note)
    except InvalidParameter:
        note = _("Wiederhergestellt: „{title}“", title=title)
    props = {k: v for k, v in last.properties.items() if k != "area_id"}
    geometry = shapely.from_wkb(last.wkb) if last.wkb else None
    writes = _writes()
    try:
        feature = writes.checked(PROJECTS, http.dataset(), Draft(fid, props, geometry))
        writes.restore(_author(account), note, PROJECTS, feature, last.record_id)
    except editing.InvalidFeature as exc:
        raise InvalidParameter("the project's last content breaks today's rules: "
                               + "; ".join(exc.problems)) from exc
    except (PreconditionFailed, Conflict):
        return _render_index(409, conflict_fid=fid)
    flash(_("Wiederhergestellt: „{title}“.", title=title), "success")
    return redirect(url_for("editor.index") + f"#p-{quote(fid, safe='')}", 303)


@bp.route("/projects/new", methods=["GET", "POST"])
@flask_login.login_required
def new_project():
    """Create a project: every field, a point set on the map, a change note."""
    _require_writer()
    form = ProjectForm(data={"status": "geplant", "location_accuracy": "address"})
    if request.method == "POST":
        return _save(form, None)
    return render_form(form, None)


@bp.route("/projects/<fid>", methods=["GET", "POST"])
@flask_login.login_required
def edit_project(fid: str):
    """Change a project; the hidden record id makes a concurrent change a conflict, not a loss."""
    _require_writer()
    if request.method == "POST":
        form = ProjectForm()
        if not http.dataset().has(PROJECTS.name, fid):  # retired meanwhile: keep what was typed
            return render_form(form, fid, 409, conflict=True)
        return _save(form, fid, _project(fid))
    row = _project(fid)
    values = form_values(row)
    values["record_id"] = str(http.dataset().record_id(PROJECTS.name, fid) or "")
    return render_form(ProjectForm(data=values), fid, row=row)


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
                _writes().retire(_author(account), editing.change_note(form.note.data), PROJECTS, fid,
                                 _expected(form) or -1)
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
    entries = history_entries(found, admin=account.role == "admin")
    live = http.dataset().has(PROJECTS.name, fid)
    title = found[-1].properties.get("title") or fid
    return Response(render_template("editor/history.html", entries=entries, fid=fid, title=title,
                                    live=live, admin=account.role == "admin"),
                    mimetype="text/html")


def register(app) -> None:
    """Register the editor blueprint; Flask-Login's "please log in" in the page's language."""
    app.register_blueprint(bp)
    auth.login_manager.login_message = strings_editor.LOGIN_MESSAGE
    auth.login_manager.localize_callback = _
