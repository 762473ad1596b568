"""Reproducible benchmark: geoservice vs pygeoapi vs the bare limits of the WSGI stack.

Run `bash bench/run.sh` (installs wrk and the bench venvs) or `.venv/bin/python -m bench --help`.
"""
