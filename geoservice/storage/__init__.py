"""Storage layer: the only code that knows where the data lives."""

from geoservice.storage.base import Dataset, Store
from geoservice.storage.files import FileStore

__all__ = ["Dataset", "FileStore", "Store", "open_store"]


def open_store(config) -> Store:
    """Return the configured store (files today; a PostGIS store would be chosen here)."""
    return FileStore(config["DATA_DIR"])
