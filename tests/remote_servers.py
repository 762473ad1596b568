"""Real HTTP servers on 127.0.0.1 in a child process, for imports from a URL.

GDAL fetches the next page while pyogrio holds the GIL, so a server thread in the test process
(conftest's LiveServer) would never answer it: the import would hang. The servers here run in a
process of their own: the service itself on an existing database (`app`), and a minimal WFS 2.0
(`wfs`: GetCapabilities, DescribeFeatureType, GetFeature with paging, GML 3.2) that offers
geodata/funding_areas.geojson in EPSG:25833.

    python tests/remote_servers.py app      # DATABASE_URL and DATA_DIR from the environment
    python tests/remote_servers.py wfs FILE
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
WFS_TYPENAME = "dd:foerdergebiete"
WFS_CRS = "urn:ogc:def:crs:EPSG::25833"
_NS = ('xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" '
       'xmlns:dd="http://example.org/dresden"')


class ProcessServer:
    """Start `remote_servers.py KIND ARGS` and wait for the port it listens on."""

    def __init__(self, kind: str, *args: str, env: dict[str, str] | None = None):
        self.process = subprocess.Popen([sys.executable, __file__, kind, *args], cwd=ROOT,
                                        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.log: list[str] = []  # the server's stderr: request lines (werkzeug's log, REQUEST ...)
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"{kind} server did not start: {line!r} {self.log[-5:]}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def _read_log(self) -> None:
        for line in self.process.stderr:
            self.log.append(line.rstrip("\n"))

    def requested(self, fragment: str) -> list[str]:
        """The query strings of the requests whose log line contains `fragment`."""
        out = []
        for line in list(self.log):
            for word in line.split():
                if fragment in word:
                    out.append(urlsplit(word).query or word.partition("?")[2])
        return out

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        self.process.stdout.close()
        self.process.stderr.close()


def _serve(app) -> None:
    print(f"PORT {app.server_port}", flush=True)
    app.serve_forever()


def serve_app() -> None:
    import logging

    from werkzeug.serving import make_server

    logging.basicConfig(level=logging.INFO)  # werkzeug's request lines on stderr: the test counts pages
    sys.path.insert(0, str(ROOT))
    from geoservice import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": os.environ["DATABASE_URL"],
                      "DATA_DIR": os.environ["DATA_DIR"]})
    _serve(make_server("127.0.0.1", 0, app, threaded=True))


# --- a minimal WFS 2.0 --------------------------------------------------------------------------

def _ring(coords) -> str:
    return ('<gml:LinearRing><gml:posList srsDimension="2">'
            + " ".join(f"{x!r} {y!r}" for x, y, *_ in coords) + "</gml:posList></gml:LinearRing>")


def _polygon(poly, gid: str) -> str:
    inner = "".join(f"<gml:interior>{_ring(r.coords)}</gml:interior>" for r in poly.interiors)
    return (f'<gml:Polygon gml:id="{gid}" srsName="{WFS_CRS}"><gml:exterior>{_ring(poly.exterior.coords)}'
            f"</gml:exterior>{inner}</gml:Polygon>")


def _geometry(geom, gid: str) -> str:
    if geom.geom_type == "Polygon":
        return _polygon(geom, gid)
    members = "".join(f"<gml:surfaceMember>{_polygon(p, f'{gid}.{i}')}</gml:surfaceMember>"
                      for i, p in enumerate(geom.geoms))
    return f'<gml:MultiSurface gml:id="{gid}" srsName="{WFS_CRS}">{members}</gml:MultiSurface>'


def _value(value) -> str | None:
    if value is None or value != value:  # None, NaN, NaT
        return None
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat()
    return escape(str(value))


class WfsData:
    def __init__(self, path: Path):
        import geopandas as gpd

        frame = gpd.read_file(path).set_crs("OGC:CRS84", allow_override=True).to_crs(25833)
        self.fields = [c for c in frame.columns if c != "geometry"]
        self.types = {c: "xsd:date" if str(frame[c].dtype).startswith("datetime")
                      else "xsd:double" if frame[c].dtype.kind == "f" else "xsd:string" for c in self.fields}
        self.features = []
        for n, row in enumerate(frame.itertuples(index=False), start=1):
            props = "".join(f"<dd:{c}>{v}</dd:{c}>" for c in self.fields
                            if (v := _value(getattr(row, c))) is not None)
            self.features.append(f'<wfs:member><dd:foerdergebiete gml:id="foerdergebiete.{n}">{props}'
                                 f"<dd:geom>{_geometry(row.geometry, f'g.{n}')}</dd:geom>"
                                 "</dd:foerdergebiete></wfs:member>")

    def capabilities(self, base: str) -> str:
        ops = "".join(f'<ows:Operation name="{op}"><ows:DCP><ows:HTTP><ows:Get xlink:href={quoteattr(base)}/>'
                      f"</ows:HTTP></ows:DCP></ows:Operation>"
                      for op in ("GetCapabilities", "DescribeFeatureType", "GetFeature"))
        return (f'<?xml version="1.0" encoding="UTF-8"?><wfs:WFS_Capabilities version="2.0.0" {_NS} '
                'xmlns:ows="http://www.opengis.net/ows/1.1" xmlns:xlink="http://www.w3.org/1999/xlink">'
                "<ows:ServiceIdentification><ows:Title>Test-WFS Fördergebiete</ows:Title>"
                "<ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>2.0.0</ows:ServiceTypeVersion>"
                f"</ows:ServiceIdentification><ows:OperationsMetadata>{ops}"
                '<ows:Constraint name="ImplementsBasicWFS"><ows:NoValues/><ows:DefaultValue>TRUE'
                '</ows:DefaultValue></ows:Constraint><ows:Constraint name="ImplementsResultPaging"><ows:NoValues/>'
                "<ows:DefaultValue>TRUE</ows:DefaultValue></ows:Constraint></ows:OperationsMetadata>"
                f"<wfs:FeatureTypeList><wfs:FeatureType><wfs:Name>{WFS_TYPENAME}</wfs:Name>"
                f"<wfs:Title>Fördergebiete</wfs:Title><wfs:DefaultCRS>{WFS_CRS}</wfs:DefaultCRS>"
                "<ows:WGS84BoundingBox><ows:LowerCorner>13.7 50.95</ows:LowerCorner>"
                "<ows:UpperCorner>13.9 51.05</ows:UpperCorner></ows:WGS84BoundingBox></wfs:FeatureType>"
                "</wfs:FeatureTypeList></wfs:WFS_Capabilities>")

    def schema(self) -> str:
        fields = "".join(f'<xsd:element name="{c}" type="{t}" minOccurs="0" nillable="true"/>'
                         for c, t in self.types.items())
        return ('<?xml version="1.0" encoding="UTF-8"?><xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:dd="http://example.org/dresden" '
                'targetNamespace="http://example.org/dresden" elementFormDefault="qualified">'
                '<xsd:import namespace="http://www.opengis.net/gml/3.2"/>'
                '<xsd:element name="foerdergebiete" type="dd:foerdergebieteType" '
                'substitutionGroup="gml:AbstractFeature"/><xsd:complexType name="foerdergebieteType">'
                '<xsd:complexContent><xsd:extension base="gml:AbstractFeatureType"><xsd:sequence>'
                f'{fields}<xsd:element name="geom" type="gml:GeometryPropertyType" minOccurs="0"/>'
                "</xsd:sequence></xsd:extension></xsd:complexContent></xsd:complexType></xsd:schema>")

    def features_page(self, start: int, count: int | None, hits: bool) -> str:
        page = [] if hits else self.features[start:None if count is None else start + count]
        return (f'<?xml version="1.0" encoding="UTF-8"?><wfs:FeatureCollection {_NS} '
                f'timeStamp="2024-01-01T00:00:00Z" numberMatched="{len(self.features)}" '
                f'numberReturned="{len(page)}">{"".join(page)}</wfs:FeatureCollection>')


def serve_wfs(path: Path) -> None:
    data = WfsData(path)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = {k.upper(): v for k, v in parse_qsl(parts.query)}
            request = query.get("REQUEST", "").lower()
            print(f"REQUEST {self.path}", file=sys.stderr, flush=True)
            if parts.path != "/wfs" or query.get("SERVICE", "").upper() != "WFS":
                return self._send(404, "text/plain", "not found")
            if request == "getcapabilities":
                return self._send(200, "application/xml", data.capabilities(f"http://{self.headers['Host']}/wfs?"))
            if request == "describefeaturetype":
                return self._send(200, "application/xml", data.schema())
            if request == "getfeature":
                if query.get("TYPENAMES", query.get("TYPENAME")) != WFS_TYPENAME:
                    return self._send(400, "application/xml", "<ows:ExceptionReport/>")
                count = query.get("COUNT") or query.get("MAXFEATURES")
                return self._send(200, "application/gml+xml; version=3.2", data.features_page(
                    int(query.get("STARTINDEX", 0)), int(count) if count else None,
                    query.get("RESULTTYPE", "").lower() == "hits"))
            return self._send(400, "text/plain", f"unsupported request {request!r}")

        def _send(self, status: int, kind: str, body: str) -> None:
            raw = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format, *args) -> None:  # noqa: A002 (http.server's signature)
            pass

    _serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))


if __name__ == "__main__":
    if sys.argv[1] == "app":
        serve_app()
    else:
        serve_wfs(Path(sys.argv[2]))
