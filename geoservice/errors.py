"""The one error module: domain exceptions carrying an HTTP status and an OGC exception code."""


class GeoserviceError(Exception):
    """Base of every error the service answers itself."""

    status = 500
    code = "ServerError"

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


class InvalidParameter(GeoserviceError):
    """A query parameter or body value is malformed or out of range."""

    status = 400
    code = "InvalidParameterValue"


class UnknownParameter(GeoserviceError):
    """A query parameter the resource does not know."""

    status = 400
    code = "InvalidParameterValue"


class NotFound(GeoserviceError):
    """An unknown collection, feature, area or page."""

    status = 404
    code = "NotFound"


class NotAcceptable(GeoserviceError):
    """The requested output format is not offered by this resource."""

    status = 406
    code = "NotAcceptable"


class DataError(Exception):
    """A data file (bundled or imported) broke a validation rule; lists every problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n{lines}")


class Unauthorized(GeoserviceError):
    """A write without valid credentials."""

    status = 401
    code = "Unauthorized"


class Forbidden(GeoserviceError):
    """Valid credentials, but the account's role may not do this."""

    status = 403
    code = "Forbidden"


class Conflict(GeoserviceError):
    """The write would break a rule of the stored data (e.g. overlapping validity, existing id)."""

    status = 409
    code = "Conflict"


class PreconditionFailed(GeoserviceError):
    """If-Match names a record that is no longer current (someone else changed the feature)."""

    status = 412
    code = "PreconditionFailed"

    def __init__(self, description: str, current: int | None = None):
        super().__init__(description)
        self.current = current


class PreconditionRequired(GeoserviceError):
    """A write without If-Match: no update may be lost silently."""

    status = 428
    code = "PreconditionRequired"


class UnsupportedMediaType(GeoserviceError):
    """A write body in a format the service does not read."""

    status = 415
    code = "UnsupportedMediaType"


class TooLarge(GeoserviceError):
    """A request body or a part of it (a geometry's vertices) is larger than the service accepts."""

    status = 413
    code = "RequestEntityTooLarge"


def environment_problem(exc: BaseException, database: str | None = None) -> str | None:
    """Return one line naming the file (or database) and the operating-system problem, or None
    when `exc` is not such a problem (read-only folder, permission denied, disk full, missing
    folder, a database that cannot be opened or written). Callers print it instead of a traceback.
    """
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else "?"
        if exc.filename2 is not None:
            where = f"{where} -> {exc.filename2}"
        return f"{where}: {exc.strerror or exc}"
    try:
        from sqlalchemy.exc import OperationalError
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        return None
    if isinstance(exc, OperationalError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        hint = {"unable to open database file": " (missing folder, or no permission to create it)",
                "attempt to write a readonly database": " (a read-only file or folder)",
                "database or disk is full": " (disk full)"}.get(reason, "")
        return f"database {database or '?'}: {reason}{hint}"
    return None
