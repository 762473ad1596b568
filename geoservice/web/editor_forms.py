"""The web editor's forms and their field validators (Flask-WTF: every form has a CSRF token).

The validators give the editor's own messages in the page's language, next to the field; the
domain's rules (geoservice.domain.editing) run after them on the whole feature.
"""

from __future__ import annotations

import math

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from geoservice.domain import editing
from geoservice.domain.schema import DRESDEN_BOUNDS
from geoservice.http import _

STATUSES = ("geplant", "laufend", "abgeschlossen")
ACCURACIES = ("address", "street", "approximate")
TEXT_FIELDS = ("title", "description", "category", "status", "status_note", "address", "funding",
               "location_accuracy", "location_method", "source")
YEAR_FIELDS = ("start_year", "end_year")
FORM_FIELDS = ("title", "description", "category", "start_year", "end_year", "status", "status_note",
               "address", "funding", "location_accuracy", "location_method", "source")
LOCATION = "location"  # the pseudo-field of the lon/lat inputs and the map
COORD_DECIMALS = 6


# --------------------------------------------------------------------------- validators
# Messages are translated when a form is validated (inside the request), not at import.

def required(form, field) -> None:
    """The field must not be blank."""
    if not (field.data or "").strip():
        raise StopValidation(_("Bitte ausfüllen."))


def _year(value) -> int | None:
    """Return a four-digit year (ASCII digits only, as the API reads numbers), else None."""
    text = (value or "").strip()
    if len(text) == 4 and text.isascii() and text.isdigit() and 1000 <= int(text) <= 2200:
        return int(text)
    return None


def optional_year(form, field) -> None:
    """Blank, or a whole year with four digits."""
    if (field.data or "").strip() and _year(field.data) is None:
        raise ValidationError(_("Bitte ein Jahr mit vier Ziffern angeben, z. B. 2024."))


def not_before_start(form, field) -> None:
    """The end year must not lie before the start year (the domain's rule, said in the UI)."""
    start, end = _year(form.start_year.data), _year(field.data)
    if start is not None and end is not None and end < start:
        raise ValidationError(_("Das Ende ({end}) liegt vor dem Beginn ({start}).",
                                end=end, start=start))


def one_of(values: tuple[str, ...]):
    """The field's value must be one of `values`."""
    def check(form, field) -> None:
        if field.data not in values:
            raise ValidationError(_("Bitte einen der angebotenen Werte wählen."))
    return check


def coordinate(low: float, high: float):
    """A number between `low` and `high` (decimal point or comma)."""
    def check(form, field) -> None:
        value = parse_number(field.data)
        if value is None:
            raise StopValidation(_("Bitte den Ort in der Karte setzen oder als Zahl eingeben."))
        if not low <= value <= high:
            raise ValidationError(_("Der Ort muss in Dresden liegen (zwischen {low} und {high}).",
                                    low=low, high=high))
    return check


def note_text(form, field) -> None:
    """A change note is required and at most editing.MAX_NOTE characters long."""
    value = (field.data or "").strip()
    if not value:
        raise StopValidation(_("Bitte kurz notieren, was Sie warum geändert haben."))
    if len(value) > editing.MAX_NOTE:
        raise ValidationError(_("Höchstens {n} Zeichen.", n=editing.MAX_NOTE))


def confirmed(form, field) -> None:
    if not field.data:
        raise StopValidation(_("Bitte bestätigen Sie die Stilllegung."))


def parse_number(value) -> float | None:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --------------------------------------------------------------------------- forms

class LoginForm(FlaskForm):
    name = StringField(validators=[required])
    password = PasswordField(validators=[required])


class LogoutForm(FlaskForm):
    pass


class ProjectForm(FlaskForm):
    title = StringField(validators=[required])
    description = TextAreaField(validators=[required])
    category = StringField(validators=[required])
    start_year = StringField(validators=[optional_year])
    end_year = StringField(validators=[optional_year, not_before_start])
    status = SelectField(choices=list(STATUSES), validate_choice=False,
                         validators=[one_of(STATUSES)])
    status_note = StringField()
    address = StringField(validators=[required])
    funding = StringField()
    location_accuracy = SelectField(choices=list(ACCURACIES), validate_choice=False,
                                    validators=[one_of(ACCURACIES)])
    location_method = TextAreaField()
    source = TextAreaField(validators=[required])
    lon = StringField(validators=[coordinate(DRESDEN_BOUNDS[0], DRESDEN_BOUNDS[2])])
    lat = StringField(validators=[coordinate(DRESDEN_BOUNDS[1], DRESDEN_BOUNDS[3])])
    record_id = HiddenField()
    note = TextAreaField(validators=[note_text])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_errors: dict[str, list[str]] = {}  # domain problems per field (editing.check)


class StatusForm(FlaskForm):
    status = SelectField(choices=list(STATUSES), validate_choice=False,
                         validators=[one_of(STATUSES)])
    record_id = HiddenField()
    note = StringField()


class RestoreForm(FlaskForm):
    record_id = HiddenField()  # the retirement record the editor saw (a later change: 409)
    note = StringField()


class RetireForm(FlaskForm):
    record_id = HiddenField()
    note = TextAreaField(validators=[note_text])
    confirm = BooleanField(validators=[confirmed])
