"""Read a CQL2 filter (text or JSON) with the `cql2` package and check it (check.Checker);
the equality of a `?name=value` query parameter; AND of several filters."""

from __future__ import annotations

import json
import re
from typing import Any

import cql2

from geoservice.domain import crs
from geoservice.domain.cql.check import Checker
from geoservice.domain.cql.nodes import And, Compare, Filter, FilterError, fold, shown
from geoservice.domain.schema import CollectionSpec
from geoservice.domain.timeutil import parse_datetime

MAX_FILTER_CHARS = 20_000
# cql2's parsers recurse per nesting level; a few thousand levels overflow the native stack and
# kill the process (a segfault, not an exception), so deeper input is refused before parsing.
MAX_DEPTH = 64

# pest's rule names in cql2's syntax errors, in words
_EXPECTED = {
    "GEOMETRY": "a geometry", "Identifier": "a property name", "Negative": "'-'",
    "UnaryNot": "NOT", "True": "TRUE", "False": "FALSE", "Null": "NULL", "DECIMAL": "a number",
    "Double": "a number", "SingleQuotedString": "a 'quoted string'",
    "ExpressionInParentheses": "'(' expression ')'", "Array": "a list '(…)'",
    "EOI": "the end of the filter", "Expr": "an expression", "NotFlag": "NOT", "And": "AND",
    "Or": "OR", "Add": "'+'", "Subtract": "'-'", "Multiply": "'*'", "Mult": "'*'",
    "Divide": "'/'", "Modulo": "'%'", "Power": "'^'", "Eq": "'='", "NotEq": "'<>'",
    "Lt": "'<'", "LtEq": "'<='", "Gt": "'>'", "GtEq": "'>='", "Like": "LIKE", "In": "IN",
    "BetweenPostfix": "BETWEEN", "IsNullPostfix": "IS NULL",
}


# cql2 (Rust, pyo3) reports errors as Exception; a Rust panic arrives as pyo3's PanicException,
# a BaseException. Either is the client's filter failing to parse, never a server error.
_PARSER_FAILURES = BaseException
_NEVER_SWALLOWED = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


def _syntax_error(text: str, message: str) -> FilterError:
    """Turn cql2's pest error into 'filter: syntax error at line L, column C …: expected …'."""
    where = re.search(r"-->\s*(\d+):(\d+)", message)
    expected = re.search(r"=\s*expected (.+)", message)
    if where:
        line, column = int(where.group(1)), int(where.group(2))
        lines = text.split("\n")
        row = lines[line - 1] if 0 < line <= len(lines) else ""
        before = row[max(0, column - 31):column - 1]
        after = row[column - 1:column + 19]
        place = (f"at line {line}, column {column} (after '{before}'"
                 + (f", at '{after}'" if after else ", at the end") + ")")
    else:
        place = "in the filter"
    if expected:
        names = [n.strip() for n in re.split(r",\s*(?:or\s+)?|\s+or\s+", expected.group(1)) if n.strip()]
        words = list(dict.fromkeys(_EXPECTED.get(n, n) for n in names))
        what = "expected " + ", ".join(words)
    else:
        what = message.strip().splitlines()[0] if message.strip() else "not CQL2"
    return FilterError(f"filter: syntax error {place}: {what}")


def _depth(text: str, lang: str) -> int:
    """Return an upper bound of the parse depth: open brackets plus NOT words, outside strings."""
    quote = "'" if lang == "cql2-text" else '"'
    depth = deepest = nots = 0
    inside = escaped = False
    for char in text:
        if inside:
            if lang == "cql2-json" and char == "\\" and not escaped:
                escaped = True
                continue
            if char == quote and not escaped:
                inside = False
            escaped = False
        elif char == quote:
            inside = True
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    if lang == "cql2-text":
        outside = re.sub(r"'[^']*'", "''", text)
        nots = len(re.findall(r"\bnot\b", outside, re.IGNORECASE))
    return deepest + nots


# `a [NOT] ILIKE 'p'` (GDAL's case-insensitive LIKE, from the CQL draft; not CQL2 syntax) outside
# string literals: the left operand is a bare or double-quoted property name
_ILIKE = re.compile(r"""('(?:[^']|'')*')"""  # a string literal: kept as it is
                    r"""|((?:[A-Za-z_][A-Za-z0-9_.:-]*|"[^"]+")\s+)(NOT\s+)?ILIKE(\s+)('(?:[^']|'')*')""",
                    re.IGNORECASE)


def _ilike_as_casei(text: str) -> str:
    """Rewrite `a ILIKE 'p'` as CQL2's `CASEI(a) LIKE CASEI('p')` (the same in every position)."""
    def rewrite(match: re.Match) -> str:
        if match.group(1):
            return match.group(1)
        name, negated, space, pattern = match.group(2).rstrip(), match.group(3), match.group(4), \
            match.group(5)
        return f"CASEI({name}) {'NOT ' if negated else ''}LIKE{space}CASEI({pattern})"
    return _ILIKE.sub(rewrite, text) if re.search("ilike", text, re.IGNORECASE) else text


def parse(text: str, spec: CollectionSpec, lang: str = "cql2-text",
          filter_crs: str = crs.CRS84) -> Filter:
    """Parse and check a CQL2 filter for a collection; FilterError (400) names place and problem.

    `cql-text` (the Part 3 draft's name, which GDAL's OAPIF driver sends) is CQL2 text that also
    compares date properties with strings ('2010-01-01', GDAL's '2010-01-01T'). Both text forms
    read `ILIKE` as CASEI() LIKE CASEI()."""
    draft = lang == "cql-text"
    if draft:
        lang = "cql2-text"
    if not text or not text.strip():
        raise FilterError("filter: empty; give a CQL2 expression, e.g. status = 'laufend'")
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(f"filter: {len(text)} characters, more than {MAX_FILTER_CHARS}")
    if lang in ("cql2-text", "cql2-json") and _depth(text, lang) > MAX_DEPTH:
        raise FilterError(f"filter: nested more than {MAX_DEPTH} levels deep (brackets and NOT); "
                          "simplify the filter")
    if lang == "cql2-text":
        try:
            expr = cql2.parse_text(_ilike_as_casei(text))
        except _NEVER_SWALLOWED:
            raise
        except _PARSER_FAILURES as exc:  # cql2 raises plain Exception with pest's message
            raise _syntax_error(text, str(exc)) from None
    elif lang == "cql2-json":
        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise FilterError(f"filter: not valid JSON ({exc})") from None
        try:
            expr = cql2.parse_json(text)
        except _NEVER_SWALLOWED:
            raise
        except _PARSER_FAILURES as exc:
            raise FilterError(f"filter: not CQL2 JSON ({str(exc)[:300]})") from None
    else:
        raise FilterError(f"filter-lang: '{shown(lang)}' is not supported; use cql2-text or "
                          "cql2-json")
    try:
        tree = expr.to_json()
    except _NEVER_SWALLOWED:
        raise
    except _PARSER_FAILURES as exc:
        raise FilterError(f"filter: not CQL2 ({str(exc)[:300]})") from None
    node = Checker(spec, filter_crs, text, lang, dates_as_strings=draft).boolean(tree)
    return Filter(node)


def equals(spec: CollectionSpec, name: str, raw: str):
    """Return the node of a `?name=value` query parameter: CASEI equality in NFC, typed."""
    kind = spec.types[name]
    text = raw.strip()
    if kind == "string":
        how = frozenset({"casei"})
        value = fold(text, how)
        if name in spec.enums and value not in {fold(v, how) for v in spec.enums[name]}:
            raise FilterError(f"{name}: '{shown(text)}' is not a value of {name}; allowed: "
                              f"{', '.join(sorted(spec.enums[name]))}")
        return Compare("=", name, kind, value, how)
    if kind in ("integer", "number"):
        pattern = (r"[+-]?[0-9]+" if kind == "integer"
                   else r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
        if len(text) > 64 or not re.fullmatch(pattern, text, re.ASCII):
            what = "a whole number" if kind == "integer" else "a number"
            raise FilterError(f"{name}: '{shown(text)}' is not {what} (ASCII digits)")
        return Compare("=", name, kind, float(text))
    if kind == "date":
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
            raise FilterError(f"{name}: '{shown(text)}' is not a date YYYY-MM-DD")
        return Compare("=", name, kind, parse_datetime(text, name).start.toordinal())
    raise FilterError(f"{name}: cannot be compared")


def conjunction(nodes) -> Any:
    """AND the nodes (None when there are none)."""
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))
