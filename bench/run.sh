#!/usr/bin/env bash
# The benchmark in one command: install what it needs on a fresh Debian machine, then run it.
#   bash bench/run.sh                 # full run (~25 min on 2 cores), writes bench/RESULTS.md
#   bash bench/run.sh --smoke         # seconds; any other option: bash bench/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# System packages: wrk (load generator), spatialite (pygeoapi's SQLite/GPKG provider), venv.
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
/usr/bin/python3 -c "import ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
/usr/bin/python3 -c "import sqlite3; c = sqlite3.connect(':memory:'); c.enable_load_extension(True); c.load_extension('mod_spatialite')" >/dev/null 2>&1 \
  || missing+=(libsqlite3-mod-spatialite)
if ((${#missing[@]})); then
  echo "bench: apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The project's own venv (as the README installs it).
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
  .venv/bin/pip install -q -r requirements.txt
fi

# A venv per requirements file, rebuilt only when that file changes.
make_venv() {  # make_venv DIR PYTHON REQUIREMENTS
  local dir=$1 python=$2 reqs=$3 stamp
  stamp=$(sha256sum "$reqs" | cut -c1-16)
  if [[ -f $dir/.bench-stamp && $(cat "$dir/.bench-stamp") == "$stamp" ]]; then return; fi
  echo "bench: installing $reqs into $dir" >&2
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/pip" install -q --upgrade pip >/dev/null
  "$dir/bin/pip" install -q -r "$reqs"
  echo "$stamp" > "$dir/.bench-stamp"
}
make_venv bench/.venv-servers "$root/.venv/bin/python" bench/requirements-servers.txt
make_venv bench/.venv-pygeoapi /usr/bin/python3 bench/requirements-pygeoapi.txt
make_venv bench/.venv-tipg /usr/bin/python3 bench/requirements-tipg.txt  # python -m bench.tipg
# The server venv sees the main venv's packages, so geoservice runs unchanged under granian.
main_site=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
servers_site=$(bench/.venv-servers/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
echo "$main_site" > "$servers_site/_geoservice_main_venv.pth"

exec .venv/bin/python -m bench "$@"
