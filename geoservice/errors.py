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


class MethodNotAllowed(GeoserviceError):
    """Only GET/HEAD/OPTIONS are served."""

    status = 405
    code = "MethodNotAllowed"


class DataError(Exception):
    """A data file (bundled or imported) broke a validation rule; lists every problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n{lines}")
