"""One "today", Dresden's, whatever the server's time zone (geoservice/domain/clock.py).

Before, pages used the server's date and /inside Dresden's: started with TZ=Etc/GMT+12, the
check form on /areas/prohlis defaulted to one day while /inside answered for the next. The
server runs in a subprocess with the process time zone set (os.environ["TZ"] + time.tzset()),
once 12 hours behind UTC and once 14 ahead: at any moment one of the two has another date than
Dresden, so the test catches a server-zone "today" at any time of day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import GEODATA, ROOT, new_database

PROHLIS = (13.7980134, 51.0062709)

SERVER = """
import json, os, re, sys, time
os.environ["TZ"] = sys.argv[1]
time.tzset()
from geoservice import create_app
client = create_app({"DATABASE_URL": sys.argv[2], "DATA_DIR": sys.argv[3]}).test_client()
page = client.get("/areas/prohlis", headers={"Accept": "text/html"}).get_data(as_text=True)
form = re.search(r'name="datetime" type="date" value="([0-9-]+)"', page).group(1)
inside = client.get("/inside", query_string={"lon": sys.argv[4], "lat": sys.argv[5], "f": "json"})
print(json.dumps({"form": form, "inside": inside.get_json()["date"], "local": time.strftime("%Y-%m-%d")}))
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    from geoservice import create_app

    url = new_database("sqlite", tmp_path_factory.mktemp("clock"))
    create_app({"DATABASE_URL": url, "DATA_DIR": str(GEODATA)}).extensions["geoservice"].close()
    return url


@pytest.mark.parametrize("zone", ["Etc/GMT+12", "Etc/GMT-14"])
def test_the_check_form_and_inside_answer_for_dresdens_today(database, zone):
    env = {key: value for key, value in os.environ.items() if key != "TZ"}
    result = subprocess.run([sys.executable, "-c", SERVER, zone, database, str(GEODATA), *map(str, PROHLIS)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    dresden = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    assert answer["form"] == answer["inside"] == dresden, {**answer, "dresden": dresden, "zone": zone}
