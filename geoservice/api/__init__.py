"""JSON/HTML web APIs: OGC API - Features and the planners' endpoints."""

from flask import Flask


def register(app: Flask) -> None:
    """Register the API blueprints and their English UI strings, and pre-serialize the features."""
    from geoservice import auth
    from geoservice.api import (
        catalog,
        edit,
        features,
        feeds,
        formats,
        health,
        ogc,
        planners,
        slashes,
        strings,
        versions,
    )
    from geoservice.api import items as items  # items and items/{id}: routes of ogc.bp
    from geoservice.api import places as places  # /search and /inside (place search, inside check)
    from geoservice.api import stream as stream  # the change stream for machines

    formats.load()  # every output format of items (api/formats/: one module each)
    strings.register()
    slashes.init_app(app)  # /collections/ -> 308 /collections
    app.register_blueprint(ogc.bp)
    app.register_blueprint(planners.bp)
    app.register_blueprint(versions.bp)
    app.register_blueprint(places.bp)  # /search and /inside
    app.register_blueprint(health.bp)
    app.register_blueprint(catalog.bp)  # /catalog: DCAT-AP.de for open-data portals
    app.register_blueprint(feeds.bp)  # Atom feeds of the public changes
    app.register_blueprint(stream.bp)  # the change stream for machines
    # writes authenticate with Bearer tokens only (never a cookie), so CSRF cannot reach them
    app.register_blueprint(edit.bp)
    auth.csrf.exempt(edit.bp)
    from geoservice.api import webhooks_admin  # administrators' webhook subscriptions (Bearer)

    app.register_blueprint(webhooks_admin.bp)
    auth.csrf.exempt(webhooks_admin.bp)
    # Serialize every feature per CRS now, not on the first request (a reload does it lazily).
    features.warm(app.extensions["geoservice"].dataset)
