"""`flask --app geoservice geodata ...`: check, import and export the data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from geoservice import importer
from geoservice.domain.schema import COLLECTIONS
from geoservice.errors import DataError, GeoserviceError
from geoservice.storage import open_store

geodata = AppGroup("geodata", help="Check, import and export the service's data.")
COLLECTION = click.Choice(sorted(COLLECTIONS))


@geodata.command("check")
def check_command() -> None:
    """Validate the data folder (the app already did at start-up) and print a summary."""
    data = current_app.extensions["geoservice"].dataset
    click.echo(f"ok: {len(data.funding_areas)} funding-area versions, {len(data.projects)} projects, "
               f"{len(data.timeline)} milestones (version {data.version})")


@geodata.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--collection", type=COLLECTION, required=True, help="Collection to replace.")
@click.option("--crs", default=None, help="CRS of a file that declares none, e.g. EPSG:31469.")
@click.option("--layer", default=None, help="Layer of a multi-layer file (GeoPackage, GML).")
@click.option("--dry-run", is_flag=True, help="Only check; write nothing.")
def import_command(file: Path, collection: str, crs: str | None, layer: str | None, dry_run: bool) -> None:
    """Import FILE (GeoJSON, GeoPackage, zipped Shapefile, GML) into a collection, atomically."""
    spec = COLLECTIONS[collection]
    current = current_app.extensions["geoservice"].dataset
    try:
        report = importer.import_file(open_store(current_app.config), current, spec, file,
                                      crs=crs, layer=layer, dry_run=dry_run)
    except DataError as exc:
        click.echo(f"import rejected, nothing written.\n{exc}", err=True)
        raise SystemExit(1) from None
    except GeoserviceError as exc:
        click.echo(f"import rejected, nothing written: {exc.description}", err=True)
        raise SystemExit(2) from None
    for note in report.notes:
        click.echo(f"note: {note}")
    verb = "checked (dry run, nothing written)" if dry_run else "imported"
    click.echo(f"{verb}: {report.features} features into {collection} from {report.source_crs}")


@geodata.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--collection", type=COLLECTION, required=True)
def export_command(out: Path, collection: str) -> None:
    """Write a collection to OUT as GeoPackage for QGIS users."""
    count = importer.export(current_app.extensions["geoservice"].dataset, COLLECTIONS[collection], out)
    click.echo(f"exported {count} features of {collection} to {out}")


def init_app(app: Flask) -> None:
    """Attach the `geodata` command group."""
    app.cli.add_command(geodata)
