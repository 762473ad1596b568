# Two commands on a fresh machine: `make run` (service with its bundled data) and `make test`.
# Everything they need is installed here: Python packages into .venv, Leaflet & co. from the npm
# registry into geoservice/static/vendor, and (tests only) Debian's chromium and wrk and a local
# PostgreSQL 15 with PostGIS.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# pytest workers for `make test` (pytest-xdist; a module stays on one worker): one more than the
# cores, as much of the suite waits on servers, browsers and subprocesses (2 cores: 669 s with 3
# workers, 700 s with 2, same tree, docs/TESTING.md)
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

.PHONY: run test lint bench install install-dev vendor system-packages postgres xplan-tools

run: install vendor
	$(PY) run.py

# the whole suite (docs/TESTING.md), with the line coverage of geoservice/ and the slowest tests
test: install-dev vendor system-packages postgres xplan-tools
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --cov=geoservice --cov-report=term:skip-covered \
	  --durations=15

lint: install-dev
	$(VENV)/bin/ruff check geoservice tests bench scripts run.py

bench: install-dev vendor
	bash bench/run.sh

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# the pinned requirements go in with uv (from PyPI, into the venv): it installs them in parallel,
# 19 s against pip's 52 s for requirements-dev.txt in a fresh venv (2 cores, 2026-12-07; bytecode
# compiled at install, as pip does, so that the test workers do not each compile it on first import)
UV      := uv==0.13.10
INSTALL := $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY)
$(VENV)/bin/uv: | $(VENV)/bin/python
	$(PY) -m pip install --quiet $(UV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/uv
	$(INSTALL) -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/uv
	$(INSTALL) -r requirements-dev.txt
	touch $(VENV)/.runtime $@

vendor:
	bash scripts/install_vendor.sh

# Debian's chromium for the browser tests, wrk for the benchmark's smoke test and QGIS's Python
# bindings (python3-qgis, about 110 MB) for tests/test_qgis.py (headless, offscreen).
system-packages:
	@command -v chromium >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1 && \
	  /usr/bin/python3 -c "import qgis.core, osgeo.ogr" >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium wrk && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-qgis python3-gdal; }

# xplan-tools (tests/test_xplan.py validates the XPlanGML export with it) imports GDAL's Python
# bindings and asks for GDAL >= 3.6.3; compiling them costs a fresh venv about a minute, so the
# venv borrows Debian's python3-gdal (3.6.2, built for Python 3.11; xplan-tools works with it) and
# xplan-tools goes in without its GDAL requirement, its other requirements from requirements-xplan.txt
XPLAN_TOOLS := xplan-tools==1.17.5
xplan-tools: $(VENV)/.xplan
$(VENV)/.xplan: requirements-xplan.txt $(VENV)/.dev Makefile | system-packages $(VENV)/bin/uv
	@site=$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	  [ -e "$$site/osgeo" ] || ln -s /usr/lib/python3/dist-packages/osgeo "$$site/osgeo"
	$(INSTALL) -r requirements-xplan.txt
	$(INSTALL) --no-deps $(XPLAN_TOOLS)
	touch $@

# PostgreSQL 15 + PostGIS for the tests ($GEOSERVICE_TEST_POSTGRES, default
# postgresql://postgres@127.0.0.1:5432/test): installs, starts or creates the cluster if needed.
postgres:
	@bash scripts/ensure_postgres.sh
