"""Each query parameter is declared once (geoservice.params), and every layer reads the declaration.

A parameter a route reads or allows without a declaration has no canonical spelling (never
cached), no OpenAPI text and no page leniency: these tests fail until it is declared.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from geoservice import params
from geoservice.domain.schema import COLLECTIONS

ROOT = Path(__file__).resolve().parents[1]
ROUTE_MODULES = sorted([*(ROOT / "geoservice/api").rglob("*.py"),
                        *(ROOT / "geoservice/web").glob("*.py")])
CHECKS = {"check_params", "check_params_for", "check_page_params"}
# form fields of the web editor and its login (POST bodies, not query parameters), and the
# fingerprint of /static/ files (?v=, a cache buster static.py accepts with any value)
NOT_ROUTES = {"geoservice/web/editor.py", "geoservice/web/editor_forms.py",
              "geoservice/web/static.py"}


def _declared(name: str) -> bool:
    return params.declaration(name) is not None or any(
        params.declaration(name, spec) is not None for spec in COLLECTIONS.values())


def _strings(node) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _query_names_in_source() -> dict[str, set[str]]:
    """Return {module: names} a route allows (check_params*, *_PARAMS) or reads (request.args)."""
    found: dict[str, set[str]] = {}
    for path in ROUTE_MODULES:
        module = str(path.relative_to(ROOT))
        if module in NOT_ROUTES:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in CHECKS and node.args:
                    names.update(_strings(node.args[0]))
                reads_args = (isinstance(func, ast.Attribute) and func.attr in ("get", "getlist")
                              and ast.unparse(func.value) in ("request.args", "args"))
                if reads_args and node.args and isinstance(node.args[0], ast.Constant):
                    names.add(node.args[0].value)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id.endswith("_PARAMS") for t in node.targets):
                names.update(_strings(node.value))
            elif isinstance(node, ast.Attribute) and ast.unparse(node) == "params.ITEM_PARAMS":
                names.update(params.ITEM_PARAMS)  # the items' set, declared in geoservice/params
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("request.args",
                                                                                 "args"):
                if isinstance(node.slice, ast.Constant):
                    names.add(node.slice.value)
            elif isinstance(node, ast.Compare) and any(
                    ast.unparse(c) in ("request.args", "args") for c in node.comparators):
                if isinstance(node.left, ast.Constant):
                    names.add(node.left.value)
        found[module] = names
    return found


def test_the_scan_sees_the_routes_parameters():
    found = _query_names_in_source()
    assert {"limit", "sortby", "filter"} <= found["geoservice/api/items.py"]
    assert {"from", "to", "lon", "x"} <= found["geoservice/api/planners.py"]
    assert {"q", "kind", "area"} <= found["geoservice/api/places.py"]
    assert {"from", "to", "embed", "datetime"} <= found["geoservice/web/map_pages.py"]


def test_every_query_parameter_a_route_reads_is_declared():
    undeclared = {module: sorted(n for n in names if not _declared(n))
                  for module, names in _query_names_in_source().items()}
    assert {m: n for m, n in undeclared.items() if n} == {}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_openapi_parameters_and_declarations_match_both_ways(client):
    document = client.get("/openapi?f=json").get_json()
    used: set[str] = set()
    components = document["components"]["parameters"]
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for item in operation.get("parameters", []):
                if "$ref" in item:
                    item = components[item["$ref"].rsplit("/", 1)[1]]
                if item["in"] == "query":
                    assert _declared(item["name"]), item["name"]
                    used.add(item["name"])
    # every declaration is documented somewhere (a declared but unused name is dead)
    assert set(params.PARAMS) - used == set()


def test_a_declaration_gives_the_openapi_text_and_the_canonical_spelling():
    limit = params.PARAMS["limit"]
    item = limit.openapi({"MAX_LIMIT": 1000, "DEFAULT_LIMIT": 10})
    assert item["schema"]["maximum"] == 1000 and item["description"]
    assert limit.is_canonical("10", None) and not limit.is_canonical("+010", None)
    assert params.PARAMS["q"].canonical is None  # free text: never a cache key
    projects = COLLECTIONS["projects"]
    assert params.declaration("status", projects).name == "status"
    assert params.declaration("status") is None  # a property only on its collection's items


def test_one_day_and_one_period_have_one_parser():
    from geoservice.errors import InvalidParameter

    assert params.one_day("2018-06-01", "hint").isoformat() == "2018-06-01"
    with pytest.raises(InvalidParameter, match="datetime: '2018' is not a single day; hint"):
        params.one_day("2018", "hint")
    given, canonical, days = params.period(" 2016-01-01T12:00:00+01:00 ", "from")
    assert (given, canonical) == ("2016-01-01T12:00:00+01:00", "2016-01-01") and days.is_instant
    with pytest.raises(InvalidParameter, match="from is required"):
        params.period(None, "from")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_page_shows_a_validity_end_as_its_last_day_in_force(client):
    # the 2000 version of Prohlis / Am Koitschgraben is valid [2000-07-13, 2004-07-01)
    for path in ("/areas/prohlis-am-koitschgraben", "/compare?from=2004&to=2016"):
        page = client.get(path, headers={"Accept": "text/html", "Accept-Language": "de"}).text
        assert "13.07.2000 – 30.06.2004" in page, path
        assert "13.07.2000 – 01.07.2004" not in page, path


def test_layers_import_one_way():
    """api/ and cache.py import no page code; web/ imports nothing of api/."""
    def imports(path: Path) -> set[str]:
        out = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                out.update({node.module, *(f"{node.module}.{a.name}" for a in node.names)})
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names)
        return out

    for path in [ROOT / "geoservice/cache.py", *(ROOT / "geoservice/api").glob("*.py")]:
        assert "geoservice.web.pages" not in imports(path), path
    for path in (ROOT / "geoservice/web").glob("*.py"):
        assert not any(name.startswith("geoservice.api") for name in imports(path)), path
    for path in [ROOT / "geoservice/current.py", ROOT / "geoservice/negotiation.py",
                 *(ROOT / "geoservice/params").glob("*.py")]:
        assert not {"geoservice.http", "geoservice.cache"} & imports(path), path


def _import_graph() -> dict[str, set[str]]:
    """Every module of geoservice/ -> the modules of geoservice/ it imports (anywhere in it)."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in (ROOT / "geoservice").rglob("*.py")}

    def module(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in files.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("geoservice"):
                found.update(module(f"{node.module}.{a.name}") for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(module(a.name) for a in node.names if a.name.startswith("geoservice"))
        graph[name] = found - {name, None}
    return graph


def _layer(name: str) -> int:
    """The layers, highest first: the factory and CLI; HTTP; the services below it (writes,
    import, export files); storage (it builds domain objects); the domain; what all share."""
    if name in ("geoservice", "geoservice.cli"):
        return 5
    if name.startswith(("geoservice.api", "geoservice.web.", "geoservice.params", "geoservice.mail")) or name in (
            "geoservice.web", "geoservice.http", "geoservice.cache", "geoservice.current",
            "geoservice.negotiation", "geoservice.auth"):
        return 4
    if name in ("geoservice.writes", "geoservice.importer", "geoservice.exports", "geoservice.xplan") \
            or name.startswith("geoservice.webhooks"):  # the delivery worker: a service, not HTTP
        return 3
    if name.startswith("geoservice.storage"):
        return 2
    if name.startswith("geoservice.domain"):
        return 1
    return 0  # errors, config, i18n


def test_no_module_imports_a_higher_layer_and_no_files_import_each_other_in_a_circle():
    graph = _import_graph()
    upward = sorted((a, b) for a, targets in graph.items() for b in targets if _layer(b) > _layer(a))
    assert upward == []
    # a circle: a module that reaches itself again (depth-first, colours)
    state: dict[str, int] = {}
    circles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []
