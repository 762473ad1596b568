"""The public wording of provenance texts (geodata/sources/public_wording.json).

Public attributes say where a fact comes from in words a citizen understands; the research trail
(repositories, commits, file paths) is listed in geodata/README.md ("Research trail"). Every URL
is kept. Applied to method, source, note and location_method; the build fails if a trail marker
("internal") is left over.
"""

from __future__ import annotations

import functools
import re

from .sources import data


@functools.cache
def _rules():
    table = data("public_wording")
    replace = [(re.compile(r["pattern"]), r["replacement"]) for r in table["replace"]]
    return replace, re.compile("|".join(table["internal"]))


def public(text):
    """Return a provenance text in plain German (URLs kept); fail on an unknown trail marker."""
    if text is None:
        return None
    replace, internal = _rules()
    for pattern, replacement in replace:
        text = pattern.sub(replacement, text)
    left = internal.search(text)
    if left:
        context = text[max(0, left.start() - 60):left.end() + 60]
        raise ValueError(f"internal provenance left in a public attribute: ...{context}...")
    return text
