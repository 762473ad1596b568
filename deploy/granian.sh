#!/usr/bin/env bash
# granian for production: `deploy/granian.sh` (docs/OPERATIONS.md "Production"). Like deploy/gunicorn.conf.py:
# one worker per core, a failed worker is respawned, workers are recycled (by age and by memory),
# bounded backlog, a header read timeout against clients that stall. Override with the variables
# below or append granian options (they win).
set -euo pipefail
# glibc's malloc gives each thread that allocates its own arena and keeps freed memory there: with
# many request bodies read at once by blocking threads a worker grew by 187 MiB, with 2 arenas by
# 45-55 MiB (tests/test_edge_production.py)
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
bind=${GEOSERVICE_BIND:-127.0.0.1:8000}
exec "${GRANIAN:-granian}" --interface wsgi --factory \
  --host "${bind%:*}" --port "${bind##*:}" \
  --workers "${WEB_CONCURRENCY:-$(nproc)}" \
  --respawn-failed-workers --respawn-interval 1 \
  --workers-lifetime "${GEOSERVICE_WORKER_LIFETIME:-6h}" \
  --workers-max-rss "${GEOSERVICE_WORKER_MAX_RSS_MIB:-1024}" \
  --workers-kill-timeout 20 \
  --backlog 2048 \
  --http1-header-read-timeout 5000 \
  --log-level "${GEOSERVICE_LOG_LEVEL:-info}" \
  "$@" geoservice:create_app
