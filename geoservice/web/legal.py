"""The pages a public body's website must have: accessibility statement with its feedback form,
imprint and privacy notice; and the administrators' view of the feedback messages.

What only the operator can know (name, address, contact, the law and the enforcement body that
apply, the statement's date) comes from the settings (config.py: OPERATOR_*, PRIVACY_OFFICER,
ACCESSIBILITY_LAW, ENFORCEMENT_BODY, ACCESSIBILITY_STATEMENT_DATE); an empty setting is shown as
"to be filled in by the operator", never guessed. Feedback messages are stored in the service's
own database (storage/feedback.py), sent to no third party, limited per address and hour.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import flask_login
from flask import Blueprint, Response, current_app, g, render_template, request
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, StopValidation

from geoservice import auth, http
from geoservice.errors import Forbidden, GeoserviceError
from geoservice.http import _
from geoservice.storage.feedback import FeedbackBox, address_key
from geoservice.web import display, strings_legal  # noqa: F401  (registers the English strings)

bp = Blueprint("legal", __name__)
DRESDEN = ZoneInfo("Europe/Berlin")
MESSAGE_MAX = 5000


class TooManyMessages(GeoserviceError):
    """More feedback from one address within the hour than FEEDBACK_PER_HOUR allows."""

    status = 429
    code = "TooManyRequests"


def _message_given(form, field) -> None:
    if len((field.data or "").strip()) < 5:
        raise StopValidation(_("Bitte schreiben Sie Ihre Nachricht (mindestens 5 Zeichen)."))


class FeedbackForm(FlaskForm):
    """The feedback form (CSRF token from Flask-WTF); only the message is required."""

    message = TextAreaField(validators=[_message_given, Length(max=MESSAGE_MAX)])
    name = StringField(validators=[Length(max=200)])
    contact = StringField(validators=[Length(max=300)])
    page = StringField(validators=[Length(max=500)])


def operator() -> dict[str, str]:
    """Return the operator's settings; empty ones as None (the templates show a placeholder)."""
    config = current_app.config
    keys = ("OPERATOR_NAME", "OPERATOR_ADDRESS", "OPERATOR_EMAIL", "OPERATOR_PHONE",
            "OPERATOR_REPRESENTATIVE", "PRIVACY_OFFICER", "ACCESSIBILITY_LAW", "ENFORCEMENT_BODY")
    out = {key.lower(): (str(config.get(key) or "").strip() or None) for key in keys}
    for key in ("operator_address", "privacy_officer", "enforcement_body"):
        if out[key]:
            out[key] = [line.strip() for line in out[key].replace("|", "\n").splitlines() if line.strip()]
    day = config.get("ACCESSIBILITY_STATEMENT_DATE") or ""
    out["statement_date"] = display.fmt_date(day, g.get("lang", "de")) if day else None
    return out


def _page(template: str, status: int = 200, private: bool = False, **context) -> Response:
    http.check_page_params(())
    html = render_template(f"pages/{template}", op=operator(), **context)
    response = Response(html, status=status, mimetype="text/html")
    if private:  # a form with a CSRF token or personal data: never kept by any cache
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


@bp.get("/barrierefreiheit")
def accessibility() -> Response:
    """The accessibility statement (Erklärung zur Barrierefreiheit)."""
    return _page("accessibility.html", feedback_per_hour=current_app.config["FEEDBACK_PER_HOUR"])


@bp.get("/impressum")
def imprint() -> Response:
    return _page("imprint.html")


@bp.get("/datenschutz")
def privacy() -> Response:
    config = current_app.config
    return _page("privacy.html", tile_host=_host(config.get("TILE_CONSENT_URL") or ""),
                 own_tiles=bool(config.get("TILE_URL")),
                 session_hours=config["EDITOR_SESSION_HOURS"],
                 mail_enabled=bool(config.get("SMTP_HOST")), mail_host=config.get("SMTP_HOST") or "")


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


@bp.route("/barrierefreiheit/rueckmeldung", methods=["GET", "POST"])
def feedback() -> Response:
    """The feedback form: a message is stored for the administrators (no e-mail, no third party)."""
    form = FeedbackForm()
    if request.method == "GET":
        form.page.data = form.page.data or ""
        return _page("feedback.html", form=form, private=True)
    if not form.validate_on_submit():
        return _page("feedback.html", form=form, status=400, private=True)
    box = FeedbackBox(current_app.extensions["geoservice"].store)
    sender = address_key(auth.client_address(), current_app.secret_key or "")
    limit = int(current_app.config["FEEDBACK_PER_HOUR"])
    if box.sent_since(sender, timedelta(hours=1)) >= limit:
        raise TooManyMessages(f"more than {limit} messages from your address within an hour; "
                              "please try again later or write by e-mail")
    box.add(sender, (form.name.data or "").strip(), (form.contact.data or "").strip(),
            (form.page.data or "").strip(), form.message.data.strip(), g.get("lang", "de"))
    return _page("feedback.html", form=None, sent=True, private=True)


@bp.get("/edit/feedback")
@flask_login.login_required
def messages() -> Response:
    """The administrators' view of the feedback messages (newest first)."""
    account = auth.session_account()
    if account is None or account.role != "admin":
        raise Forbidden("only administrators read the feedback messages")
    rows = FeedbackBox(current_app.extensions["geoservice"].store).latest()
    lang = g.get("lang", "de")
    shown = [(m, m.received_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(DRESDEN)) for m in rows]
    html = render_template("editor/feedback.html", messages=shown,
                           when=lambda t: display.fmt_moment(t, lang))
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


def register(app) -> None:
    app.register_blueprint(bp)
