"""E-mail subscriptions for residents: the form, the confirmation and unsubscribe pages, and the
administrators' list (only where an SMTP server is configured: geoservice/mail/).

- `/abonnieren` (`?area=ID`, `?project=ID`, nothing = everything): a small form (address,
  frequency, language; CSRF token) that stores an unconfirmed subscription and sends the
  confirmation mail; limited per client address and per e-mail address and hour. The page
  answers the same whether the address was subscribed before or not.
- `/abonnieren/bestaetigen/<token>`: the link of the confirmation mail; it shows a button, and
  the button confirms (a mail scanner that follows links confirms nothing).
- `/abbestellen/<token>`: the link of every mail; it shows a button; a POST (the button, or a
  mail program's one-click request per RFC 8058) deletes the subscription. These two POSTs carry
  their authority in the signed token of the URL, which no other site can know: they need no
  CSRF token (mail programs send none).
- `/edit/abonnements`: administrators only: every address with its subscriptions; deletion.
"""

from __future__ import annotations

from datetime import UTC

import flask_login
from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, Response, current_app, g, render_template, request
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import AnyOf, StopValidation

from geoservice import auth, http, i18n, mail
from geoservice.domain.clock import LOCAL_TZ
from geoservice.domain.schema import PROJECTS
from geoservice.errors import Forbidden, NotFound
from geoservice.http import _
from geoservice.mail import compose, send, tokens
from geoservice.mail import strings as _strings  # noqa: F401  (registers the English strings)
from geoservice.storage import mailing
from geoservice.web import display

bp = Blueprint("mail", __name__)
MAX_EMAIL = 254  # the longest address SMTP can carry (RFC 5321 path limit)
LISTED = 500  # subscriptions the administrators' page lists (newest; search finds any address)


def _email_ok(form, field) -> None:
    text = (field.data or "").strip()
    if not text:
        raise StopValidation(_("Bitte geben Sie Ihre E-Mail-Adresse an."))
    if len(text) > MAX_EMAIL:
        raise StopValidation(_("Diese E-Mail-Adresse ist zu lang."))
    try:
        field.data = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise StopValidation(_("Das ist keine gültige E-Mail-Adresse (Beispiel: name@example.org).")) from None


class SubscribeForm(FlaskForm):
    """Address, frequency and language of a new subscription (CSRF token from Flask-WTF)."""

    email = EmailField(validators=[_email_ok])
    # radio buttons in the template; a value from elsewhere is a 400 naming it
    frequency = StringField(default=mailing.DAILY, validators=[AnyOf(mailing.FREQUENCIES)])
    language = StringField(validators=[AnyOf(i18n.LANGUAGES)])


class DeleteForm(FlaskForm):
    """The administrators' deletion: one subscription (id) or all of an address."""

    subscription = StringField()
    email = StringField()


def _engine():
    return current_app.extensions["geoservice"].store.engine


def _enabled() -> None:
    if not mail.enabled(current_app.config):
        raise NotFound("e-mail subscriptions are not offered here")


def _page(state: str, status: int = 200, **context) -> Response:
    http.check_page_params(("area", "project"))
    html = render_template("pages/subscribe.html", state=state, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"  # a CSRF token or a personal link
    response.headers["Referrer-Policy"] = "no-referrer"  # the token in the URL stays here
    response.vary.add("Cookie")
    return response


def _scope() -> tuple[str, str | None]:
    """Return the scope the form is for, from ?area= or ?project= (404 for an unknown one)."""
    data = current_app.extensions["geoservice"].dataset
    area, project = request.args.get("area"), request.args.get("project")
    if area is not None and project is not None:
        raise NotFound("give either area or project, not both")
    if area is not None:
        if area not in set(data.funding_areas["area_id"]):
            raise NotFound(f"funding area '{area[:200]}' does not exist")
        return mailing.AREA, area
    if project is not None:
        if not data.has(PROJECTS.name, project):
            raise NotFound(f"project '{project[:200]}' does not exist")
        return mailing.PROJECT, project
    return mailing.ALL, None


def _scope_title(scope: str, scope_id: str | None) -> str:
    probe = mailing.Subscription(0, "", scope, scope_id, g.get("lang", "de"), mailing.DAILY, "",
                                 None, None, None)
    return compose.scope_title(probe)


@bp.route("/abonnieren", methods=["GET", "POST"])
def subscribe() -> Response:
    """The subscription form; a valid request stores a pending subscription and mails the link."""
    _enabled()
    scope, scope_id = _scope()
    form = SubscribeForm()
    if request.method == "GET":
        form.language.data = g.get("lang", "de")
    context = {"form": form, "scope_title": _scope_title(scope, scope_id),
               "frequency_label": compose.frequency_label}
    if request.method == "GET":
        return _page("form", **context)
    if not form.validate_on_submit():
        return _page("form", status=400, **context)
    email = form.email.data
    secret = current_app.secret_key
    keys = [mailing.request_key("client", auth.client_address(), secret),
            mailing.request_key("email", email.lower(), secret)]
    limit = int(current_app.config["MAIL_REQUESTS_PER_HOUR"])
    if not mailing.allow_request(_engine(), keys, limit):
        return _page("form", status=429, limited=True, **context)
    token = tokens.new_token()
    sub_id = mailing.add_pending(_engine(), email, scope, scope_id, form.language.data,
                                 form.frequency.data, mailing.token_hash(token))
    pending = mailing.get(_engine(), sub_id)
    try:
        send.send_one(current_app.config, compose.confirmation(current_app.config, pending, token))
    except send.MailNotSent as exc:
        mailing.delete(_engine(), sub_id)
        current_app.logger.warning("confirmation mail not sent: %s", exc)
        return _page("form", status=503, unsent=True, **context)
    return _page("sent", email=email, scope_title=context["scope_title"])


@bp.route("/abonnieren/bestaetigen/<token>", methods=["GET", "POST"])
@auth.csrf.exempt
def confirm(token: str) -> Response:
    """The confirmation link: a button (GET), which confirms (POST)."""
    _enabled()
    try:
        found = tokens.read_confirm(_engine(), current_app.secret_key, token)
    except tokens.ExpiredToken:
        return _page("expired", status=410)
    except tokens.BadToken:
        return _page("bad-link", status=404)
    title = compose.scope_title(found)
    if request.method == "GET" and found.confirmed_at is None:
        return _page("confirm", scope_title=title, action=request.script_root + request.path)
    done = mailing.confirm(_engine(), found)
    return _page("confirmed", scope_title=title, frequency=compose.frequency_label(done.frequency))


@bp.route("/abbestellen/<token>", methods=["GET", "POST"])
@auth.csrf.exempt
def unsubscribe(token: str) -> Response:
    """The unsubscribe link of every mail: a button (GET); a POST deletes (also RFC 8058's)."""
    try:
        found = tokens.read_unsubscribe(_engine(), current_app.secret_key, token)
    except tokens.BadToken:
        return _page("bad-link", status=404)
    if found is None:
        return _page("unsubscribed")
    if request.method == "GET":
        return _page("unsubscribe", scope_title=compose.scope_title(found), action=request.script_root + request.path)
    mailing.delete(_engine(), found.id)
    return _page("unsubscribed")


def _admin() -> None:
    account = auth.session_account()
    if account is None or account.role != "admin":
        raise Forbidden("only administrators see the e-mail subscriptions")


@bp.route("/edit/abonnements", methods=["GET", "POST"])
@flask_login.login_required
def admin() -> Response:
    """Administrators: every subscription with its address; delete one, or all of an address."""
    _admin()
    form = DeleteForm()
    deleted = None
    if request.method == "POST":
        if not form.validate_on_submit():
            raise Forbidden("the form's CSRF token is missing or wrong; reload the page")
        if (form.subscription.data or "").isdigit():
            deleted = int(mailing.delete(_engine(), int(form.subscription.data)))
        elif (form.email.data or "").strip():
            deleted = mailing.delete_address(_engine(), form.email.data[:MAX_EMAIL])
    search = (request.args.get("email") or "")[:MAX_EMAIL].strip() or None
    lang = g.get("lang", "de")
    rows = [(s, compose.scope_title(s)) for s in mailing.listing(_engine(), search, LISTED)]
    html = render_template("editor/subscriptions.html", rows=rows, form=form, deleted=deleted,
                           search=search or "", enabled=mail.enabled(current_app.config),
                           frequency_label=compose.frequency_label,
                           when=lambda t: _dresden(t, lang))
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response


def _dresden(moment, lang: str) -> str:
    local = moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    return display.fmt_date(local.date(), lang) + local.strftime(" %H:%M")


def register(app) -> None:
    app.register_blueprint(bp)
