"""Give the memory freed after a big, short-lived allocation back to the operating system.

A full load of the state builds every feature's raw record (and on PostgreSQL the driver holds the
whole result) before the Dataset replaces them; writing the snapshot file builds its columns and
compressed bytes. Python frees those, but glibc's allocator keeps the freed pages in its heaps
for reuse, so a worker's resident memory stays at the peak: at 100,000 projects a PostgreSQL
worker stayed at ~440 MiB after its start where ~340 MiB were live (bench/README.md).
`malloc_trim` returns the free pages at the tops and inside of glibc's heaps; it takes well under
a millisecond and does nothing where the C library is not glibc.

glibc also gives each thread that allocates under contention an arena of its own (up to 8 per
core), and freed memory stays in the arena it came from: a gthread worker's request threads
each hold their part of what they once built. `limit_arenas` caps them at ARENAS unless the
environment sets MALLOC_ARENA_MAX: a worker held 426-431 MiB after the acceptance bench's load
at 100,000 projects with glibc's default, 403-409 MiB with 2 (bench/README.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

ARENAS = 2  # as deploy/granian.sh sets MALLOC_ARENA_MAX
_M_ARENA_MAX = -8  # mallopt's parameter (glibc's malloc.h)


def _glibc(name: str):
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do this way
        return None


_TRIM = _glibc("malloc_trim")
_MALLOPT = _glibc("mallopt")


def limit_arenas() -> bool:
    """Cap glibc's malloc arenas at ARENAS for the threads that start from now on (a worker's
    request threads), unless MALLOC_ARENA_MAX says otherwise; False where this cannot be done."""
    if _MALLOPT is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(_MALLOPT(_M_ARENA_MAX, ARENAS))


def give_back() -> bool:
    """Return freed heap memory to the operating system; False where this C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
