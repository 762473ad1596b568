"""/edit/xplan: administrators upload an official XPlanGML plan as boundary versions.

The same steps as `flask xplan import` (importer.import_xplan -> writes.py): a logged-in session
whose role may write funding areas (403 otherwise), the form's CSRF token, a required change note,
the upload's size bounded before it is read; every problem is shown, nothing is written then.
"""

from __future__ import annotations

import flask_login
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, StopValidation

from geoservice import auth, http, importer, xplan
from geoservice.domain.schema import FUNDING_AREAS
from geoservice.errors import DataError, Forbidden, GeoserviceError, InvalidParameter
from geoservice.http import _
from geoservice.web.editor_forms import note_text
from geoservice.writes import Author, Writes

bp = Blueprint("editor_xplan", __name__, url_prefix="/edit")
FORM_OVERHEAD = 64 * 1024  # the form's other fields and the multipart framing
PROGRAMMES = sorted(FUNDING_AREAS.enums["programme"])


def _file_given(form, field) -> None:
    if not getattr(field.data, "filename", None):
        raise StopValidation(_("Bitte eine XPlanGML-Datei wählen."))


def _programme(form, field) -> None:
    if field.data and field.data not in PROGRAMMES:
        raise StopValidation(_("Bitte ein Programm aus der Liste wählen."))


class XPlanForm(FlaskForm):
    """The upload: the file, the change note, and what a foreign file may not say."""

    file = FileField(validators=[_file_given])
    note = TextAreaField(validators=[note_text])
    replaces = StringField(validators=[Optional(), Length(max=200)])
    area_id = StringField(validators=[Optional(), Length(max=200)])
    programme = SelectField(choices=["", *PROGRAMMES], validate_choice=False, validators=[_programme])


def _admin():
    account = auth.session_account()
    if account is None or not auth.may_write(account, FUNDING_AREAS):
        raise Forbidden(f"the role '{account.role if account else '-'}' may not change funding areas")
    return account


def _page(form: XPlanForm, status: int = 200, problems: list[str] | None = None) -> Response:
    html = render_template("editor/xplan.html", form=form, problems=problems or [],
                           version=xplan.VERSION, programmes=PROGRAMMES)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


@bp.route("/xplan", methods=["GET", "POST"])
@flask_login.login_required
def upload() -> Response:
    """Show the upload form; import an uploaded XPlanGML file as one recorded change."""
    account = _admin()
    if request.method == "POST" and (request.content_length or 0) > xplan.MAX_BYTES + FORM_OVERHEAD:
        raise InvalidParameter(f"the upload has {request.content_length} bytes; an XPlanGML file "
                               f"may have at most {xplan.MAX_BYTES}")
    form = XPlanForm()
    if request.method == "GET" or not form.validate():
        return _page(form, 400 if request.method == "POST" else 200)
    data = form.file.data.stream.read(xplan.MAX_BYTES + 1)
    holder = current_app.extensions["geoservice"]
    try:
        report = importer.import_xplan(
            Writes.of(holder), http.dataset(), FUNDING_AREAS, data, form.file.data.filename or "upload.gml",
            form.note.data.strip(), author=Author(account.name, account.organisation),
            area_id=(form.area_id.data or "").strip() or None, programme=form.programme.data or None,
            replaces=(form.replaces.data or "").strip() or None)
    except DataError as exc:
        return _page(form, 400, exc.problems)
    except GeoserviceError as exc:
        return _page(form, 400, [exc.description])
    if report.written:
        flash(_("Importiert: {new} neu, {changed} geändert, {unchanged} unverändert.",
                new=report.created, changed=report.changed, unchanged=report.unchanged), "success")
    else:
        flash(_("Nichts geändert: diese Grenzstände sind schon so gespeichert."), "info")
    return redirect(url_for("editor_xplan.upload"), 303)


def register(app) -> None:
    app.register_blueprint(bp)
