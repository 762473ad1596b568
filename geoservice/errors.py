"""The one error module: domain exceptions carrying an HTTP status and an OGC exception code."""


class GeoserviceError(Exception):
    """Base of every error the service answers itself."""

    status = 500
    code = "ServerError"

    def __init__(self, description: str, public: str | None = None):
        super().__init__(description)
        self.description = description
        # a sentence for people, in the page's language (the HTML error page leads with it);
        # the description stays the precise, technical answer of the API
        self.public = public


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


class InvalidState(Conflict):
    """A write on a stored state that breaks the rules, which the write does not repair."""

    def __init__(self, description: str, problems: list[str]):
        super().__init__(description)
        self.problems = list(problems)


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


class ServiceUnavailable(GeoserviceError):
    """The service cannot do this right now (the database is away, too many logins at once):
    the client may try again after `retry_after` seconds."""

    status = 503
    code = "ServiceUnavailable"

    def __init__(self, description: str, retry_after: int = 5):
        super().__init__(description)
        self.retry_after = retry_after


def database_away(reason: str) -> ServiceUnavailable:
    """The answer to a write, a login or a database read while the database cannot be reached."""
    return ServiceUnavailable(f"the database cannot be reached right now ({reason}); reading the "
                              "published data goes on, writing and logging in do not: try again "
                              "in a few seconds")


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


def unavailable(exc: BaseException) -> str | None:
    """Return a short reason when `exc` means the database cannot be reached or used right now
    (refused, dropped, timed out, locked), else None."""
    from sqlalchemy import exc as sa_exc

    if not isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)) and not (
            isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated):
        return None
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    for known in ("Connection refused", "timeout expired", "the database system is shutting down",
                  "the database system is starting up", "terminating connection",
                  "server closed the connection", "database is locked"):
        if known.lower() in reason.lower():
            return known.lower()
    return reason[:120]
