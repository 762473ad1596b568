#!/usr/bin/env bash
# granian for production: `deploy/granian.sh` (docs/OPERATIONS.md "Production"). Like deploy/gunicorn.conf.py:
# one worker per core, a failed worker is respawned, workers are recycled (by age and by memory),
# bounded backlog, a header read timeout against clients that stall. Override with the variables
# below or append granian options (they win).
set -euo pipefail
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
