"""Development server: `python run.py` (host/port from GEOSERVICE_HOST / GEOSERVICE_PORT)."""

import os

from geoservice import create_app

if __name__ == "__main__":
    create_app().run(
        host=os.environ.get("GEOSERVICE_HOST", "127.0.0.1"),
        port=int(os.environ.get("GEOSERVICE_PORT", "5000")),
        threaded=True,
    )
