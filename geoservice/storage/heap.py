"""Give the memory freed after a big, short-lived allocation back to the operating system.

A full load of the state builds every feature's raw record (and on PostgreSQL the driver holds the
whole result) before the Dataset replaces them; writing the snapshot file builds its columns and
compressed bytes. Python frees those, but glibc's allocator keeps the freed pages in its heaps
for reuse, so a worker's resident memory stays at the peak: at 100,000 projects a PostgreSQL
worker stayed at ~440 MiB after its start where ~340 MiB were live (bench/README.md).
`malloc_trim` returns the free pages at the tops and inside of glibc's heaps; it takes well under
a millisecond and does nothing where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def _malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to give back this way
        return None


_TRIM = _malloc_trim()


def give_back() -> bool:
    """Return freed heap memory to the operating system; False where this C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
