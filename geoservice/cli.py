"""Commands: `flask --app geoservice db upgrade|current`, `geodata check|import|export|dump|history`,
`xplan export|import` and `users add|list|disable|token`.

Every command works on the database that GEOSERVICE_DATABASE_URL names (default: the SQLite file
in the instance folder).
"""

from __future__ import annotations

import functools
import getpass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo

from geoservice import importer, xplan
from geoservice.domain.schema import COLLECTIONS, FUNDING_AREAS
from geoservice.errors import DataError, GeoserviceError, environment_problem
from geoservice.storage import open_store
from geoservice.storage.geojson import FILES, remove_stale_temp, render_collection, write_atomically
from geoservice.storage.sql import SqlStore
from geoservice.writes import Author, Writes

geodata = AppGroup("geodata", help="Check, import, export and dump the service's data.")
db = AppGroup("db", help="The database schema (migrations).")
COLLECTION = click.Choice(sorted(COLLECTIONS))


def _store() -> SqlStore:
    return current_app.extensions["geoservice"].store


def _redacted(url: str) -> str:
    """Return a database URL without its password (never print credentials)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db.command("upgrade")
@click.option("--revision", default="head", help="Target schema revision (default: the newest).")
def upgrade_command(revision: str) -> None:
    """Bring the database to the current schema with the migrations (data is kept)."""
    store = open_store(current_app.config, current_app.instance_path, prepare=False)
    try:
        before = store.revision()
        store.upgrade(revision)
        click.echo(f"database {_redacted(store.url)}: schema {before or 'empty'} -> {store.revision()}")
    finally:
        store.dispose()


@db.command("current")
def current_command() -> None:
    """Print the database and its schema revision."""
    store = open_store(current_app.config, current_app.instance_path, prepare=False)
    try:
        last = store.signature() if store.revision() else "none"
        click.echo(f"database {_redacted(store.url)}: schema {store.revision() or 'empty'} "
                   f"(newest {store.head()}), last change {last}")
    finally:
        store.dispose()


@geodata.command("check")
def check_command() -> None:
    """Validate the stored data (the app already did at start-up) and print a summary."""
    data = current_app.extensions["geoservice"].dataset
    click.echo(f"ok: {len(data.funding_areas)} funding-area versions, {len(data.projects)} projects, "
               f"{len(data.timeline)} milestones (version {data.version}, change {data.change_id})")


def _author(author: str | None, role: str) -> Author:
    return Author(author or getpass.getuser() or "cli", role)


@geodata.command("import")
@click.argument("file")
@click.option("--collection", type=COLLECTION, required=True, help="Collection to replace.")
@click.option("--crs", default=None, help="CRS of a file that declares none, e.g. EPSG:31469.")
@click.option("--layer", default=None, help="Layer of a multi-layer file (GeoPackage, GML).")
@click.option("--dry-run", is_flag=True, help="Only check; write nothing.")
@click.option("--note", default=None, help="Change note stored with the records (default: 'Import aus FILE').")
@click.option("--author", default=None, help="Account recorded as author (default: the login name).")
@click.option("--role", default="Datenpflege", show_default=True,
              help="What the public history shows as author (a role or organisation).")
def import_command(file: str, collection: str, crs: str | None, layer: str | None, dry_run: bool,
                   note: str | None, author: str | None, role: str) -> None:
    """Import FILE (GeoJSON, GeoPackage, zipped Shapefile, GML) or a URL (OGC API - Features collection,
    WFS: `WFS:https://…` or `…?service=WFS…` with --layer) into a collection as one change."""
    source = file if importer.is_url(file) else Path(file)
    spec = COLLECTIONS[collection]
    current = current_app.extensions["geoservice"].dataset
    report = _run_import(lambda: importer.import_file(
        Writes.of(current_app.extensions["geoservice"]), current, spec, source, crs=crs, layer=layer,
        dry_run=dry_run, author=_author(author, role), note=note or ""))
    if dry_run:
        click.echo(f"checked (dry run, nothing written): {report.features} features into {collection} "
                   f"from {report.source_crs}")
        return
    click.echo(f"imported: {report.features} features into {collection} from {report.source_crs}")
    _echo_change(report, "features", retires=True)


def _echo_change(report, what: str, retires: bool) -> None:
    """Say what an import wrote: its change and counts (`retires`: the retired too; an XPlanGML
    import retires nothing), or that nothing changed."""
    if report.written:
        retired = f"{report.retired} retired, " if retires else ""
        click.echo(f"change {report.change_id}: {report.created} new, {report.changed} changed, "
                   f"{retired}{report.unchanged} unchanged")
    else:
        click.echo(f"nothing changed: the store already holds exactly these {what}")


def _run_import(run):
    """Run an import; a refused one is one message and exit code 1 (the data's problems) or 2
    (the request's); the import's notes are printed. Returns its report."""
    try:
        report = run()
    except DataError as exc:
        click.echo(f"import rejected, nothing written.\n{exc}", err=True)
        raise SystemExit(1) from None
    except GeoserviceError as exc:
        click.echo(f"import rejected, nothing written: {exc.description}", err=True)
        raise SystemExit(2) from None
    for line in report.notes:
        click.echo(f"note: {line}")
    return report


@geodata.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--collection", type=COLLECTION, required=True)
def export_command(out: Path, collection: str) -> None:
    """Write a collection to OUT as GeoPackage for QGIS users."""
    count = importer.export(current_app.extensions["geoservice"].dataset, COLLECTIONS[collection], out)
    click.echo(f"exported {count} features of {collection} to {out}")


@geodata.command("dump")
@click.option("--to", "target", type=click.Path(path_type=Path), default=None,
              help="Folder to write (default: DATA_DIR, the repository's geodata/).")
def dump_command(target: Path | None) -> None:
    """Write the store's current state into the reviewable GeoJSON/JSON files."""
    target = Path(target or current_app.config["DATA_DIR"])
    change_id, _when, collections = _store().features()
    for name, spec in FILES.items():
        path = target / spec.filename
        for stale in remove_stale_temp(path):  # left by a dump that was killed
            click.echo(f"removed {stale} (left by an interrupted write)")
        text = render_collection(spec, collections.get(name, []))
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        if text != old:
            write_atomically(path, text)
            click.echo(f"wrote {path} ({len(collections.get(name, []))} entries)")
    click.echo(f"dumped the state after change {change_id} into {target}")


@geodata.command("history")
@click.argument("collection", type=click.Choice(sorted(FILES)))
@click.argument("fid")
def history_command(collection: str, fid: str) -> None:
    """List every record of one feature with its change (author, note)."""
    rows = _store().history(collection, fid)
    if not rows:
        raise click.ClickException(f"no records of '{fid}' in {collection}")
    for row in rows:
        state = "retired" if row.retired else "current" if row.recorded_to is None else "superseded"
        click.echo(f"record {row.record_id} {row.recorded_from.isoformat()}Z change {row.change_id} "
                   f"{row.kind} by {row.author} ({row.author_role}) [{state}]: {row.note}")


xplan_group = AppGroup("xplan", help="XPlanung: the funding-area versions as XPlanGML 6.0 (SO_Gebiet).")


@xplan_group.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--area", "area_ids", multiple=True,
              help="Only this area's versions (repeatable; default: every version).")
def xplan_export(out: Path, area_ids: tuple[str, ...]) -> None:
    """Write the funding-area versions to OUT as XPlanGML 6.0 (one SO_Plan per version)."""
    areas = current_app.extensions["geoservice"].dataset.funding_areas
    unknown = sorted(set(area_ids) - set(areas["area_id"]))
    if unknown:
        raise click.ClickException(f"unknown area {', '.join(unknown)}; areas: "
                                   f"{', '.join(sorted(set(areas['area_id'])))}")
    if area_ids:
        areas = areas[areas["area_id"].isin(area_ids)]
    write_atomically(out, xplan.to_gml(areas))
    click.echo(f"exported {len(areas)} funding-area versions as XPlanGML {xplan.VERSION} to {out}")


@xplan_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--note", required=True, help="Change note stored with the records (why, which plan).")
@click.option("--replaces", default=None,
              help="Id of the version the file's one SO_Gebiet replaces (e.g. a reconstruction); "
                   "default: the plan's internalId, else a new version.")
@click.option("--area-id", default=None, help="Area of versions whose file does not name one.")
@click.option("--programme", type=click.Choice(sorted(FUNDING_AREAS.enums["programme"])), default=None,
              help="Programme of versions whose file does not name one.")
@click.option("--dry-run", is_flag=True, help="Only check; write nothing.")
@click.option("--author", default=None, help="Account recorded as author (default: the login name).")
@click.option("--role", default="Datenpflege", show_default=True,
              help="What the public history shows as author (a role or organisation).")
def xplan_import(file: Path, note: str, replaces: str | None, area_id: str | None,
                 programme: str | None, dry_run: bool, author: str | None, role: str) -> None:
    """Import the SO_Gebiet of an XPlanGML 6.0 FILE as funding-area versions, as one change."""
    holder = current_app.extensions["geoservice"]
    report = _run_import(lambda: importer.import_xplan(
        Writes.of(holder), holder.dataset, FUNDING_AREAS, importer.read_xplan_file(file), str(file),
        note, author=_author(author, role), area_id=area_id, programme=programme,
        replaces=replaces, dry_run=dry_run))
    if dry_run:
        click.echo(f"checked (dry run, nothing written): {report.features} SO_Gebiet from {file}")
    else:
        _echo_change(report, "versions", retires=False)


users = AppGroup("users", help="Accounts of the people who keep the register.")


def _accounts():
    from geoservice.storage.accounts import Accounts

    return Accounts(_store())


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["editor", "admin"]), required=True,
              help="editor: projects; admin: also boundary versions, timeline, accounts.")
@click.option("--organisation", default="Quartiersmanagement", show_default=True,
              help="What the public history shows instead of the person's name.")
def users_add(name: str, role: str, organisation: str) -> None:
    """Create an account; print its password and API token once (only hashes are stored)."""
    try:
        account, password, token = _accounts().add(name, role, organisation, getpass.getuser() or "cli")
    except (ValueError, GeoserviceError) as exc:
        raise click.ClickException(getattr(exc, "description", str(exc))) from None
    click.echo(f"account {account.name} ({account.role}, {account.organisation}) created")
    click.echo(f"password: {password}")
    click.echo(f"token: {token}")


@users.command("list")
def users_list() -> None:
    """List the accounts (never a secret)."""
    for account in _accounts().all():
        state = "disabled" if account.disabled else "active"
        click.echo(f"{account.name}\t{account.role}\t{account.organisation}\t{state}\t"
                   f"since {account.created_at:%Y-%m-%d}\t{_writing(account)}")


@users.command("disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Disable an account: its password and token stop working at once."""
    try:
        _accounts().disable(name, getpass.getuser() or "cli")
    except GeoserviceError as exc:
        raise click.ClickException(exc.description) from None
    click.echo(f"account {name} disabled")


@users.command("token")
@click.argument("name")
def users_token(name: str) -> None:
    """Issue a new API token for an account; the old one stops working."""
    try:
        token = _accounts().new_token(name, getpass.getuser() or "cli")
    except GeoserviceError as exc:
        raise click.ClickException(exc.description) from None
    click.echo(f"token: {token}")


@users.command("writing")
@click.argument("name")
@click.option("--if-match", "if_match", type=click.Choice(["required", "optional"]), default=None,
              help="optional: writes without If-Match overwrite the current version (it stays in "
                   "the history), for clients that cannot send it (QGIS, OWSLib); those that "
                   "send it are still refused a stale write.")
@click.option("--default-note", default=None,
              help="Change note recorded when a write brings none (\"\" removes it).")
def users_writing(name: str, if_match: str | None, default_note: str | None) -> None:
    """Set how an account's API writes may come: without If-Match, with a default change note."""
    optional = None if if_match is None else if_match == "optional"
    try:
        account = _accounts().set_write_options(name, getpass.getuser() or "cli",
                                                if_match_optional=optional,
                                                default_note=default_note)
    except (ValueError, GeoserviceError) as exc:
        raise click.ClickException(getattr(exc, "description", str(exc))) from None
    click.echo(f"account {account.name}: {_writing(account)}")


def _writing(account) -> str:
    """How an account's API writes may come, in one phrase."""
    note = f'default note "{account.default_note}"' if account.default_note else "no default note"
    return f"If-Match {'optional' if account.if_match_optional else 'required'}, {note}"


def _database_shown() -> str | None:
    """The database of the running command, without its password (outside the app context)."""
    info = click.get_current_context().find_object(ScriptInfo)
    app = getattr(info, "_loaded_app", None)
    holder = app.extensions.get("geoservice") if app is not None else None
    return _redacted(holder.store.url) if holder is not None else None


def _one_line_errors(callback):
    """Wrap a command: an operating-system or database problem (read-only folder, permission
    denied, disk full, a database that cannot be opened) is one line naming the file and the
    problem, exit code 1, no traceback."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - only environment problems are turned into a line
            line = environment_problem(exc, _database_shown())
            if line is None:
                raise
            raise click.ClickException(line) from None

    return run


for _group in (geodata, db, users, xplan_group):
    for _command in _group.commands.values():
        _command.callback = _one_line_errors(_command.callback)


def init_app(app: Flask) -> None:
    """Attach the `db`, `geodata` and `users` command groups."""
    app.cli.add_command(db)
    app.cli.add_command(geodata)
    app.cli.add_command(users)
    app.cli.add_command(xplan_group)
    from geoservice.webhooks.cli import webhooks

    app.cli.add_command(webhooks)
    from geoservice.mail.cli import mail_group

    app.cli.add_command(mail_group)

