"""gunicorn configuration behind a buffering reverse proxy: `gunicorn -c deploy/gunicorn.conf.py`.

Without a proxy in front, use deploy/granian.sh: a client that stalls in its headers holds one of
gunicorn's threads until it closes (docs/OPERATIONS.md "Production"). Supervised, bounded workers. Every value can be changed on the command line
(`-w 4 -b 0.0.0.0:8000`, which wins over this file) or by the environment variables read below.
The master restarts a worker that dies (crash, SIGKILL, OOM killer) and recycles each worker after
`max_requests` requests, so no worker's memory grows without bound.
"""

import os

wsgi_app = "geoservice:create_app()"
bind = os.environ.get("GEOSERVICE_BIND", "127.0.0.1:8000")

# One process per core (each holds the immutable snapshot, ~150 MiB with the bundled data).
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
# gthread: idle kept-alive connections wait in the worker's poller, not in a thread, and a new
# connection gets a thread only once it sent data (gunicorn waits up to 5 s for it). A client that
# sends part of a request and stalls does hold one thread until it closes, so several threads per
# worker keep a few slow clients from starving it; against many, put a buffering reverse proxy
# (nginx: client_header_timeout / client_body_timeout) in front, as for any Python server.
#
# Behind such a proxy, GEOSERVICE_WORKER_CLASS=sync is faster on requests the response cache cannot
# answer and has the shorter tail (bench/RESULTS.md, "Uncached"): a sync worker takes one
# connection at a time, while a gthread worker keeps the kept-alive connections it accepted, so
# under steady load one worker can end up holding most of them (measured: all 64 of 64, half
# the throughput), and its threads take turns on the GIL.
worker_class = os.environ.get("GEOSERVICE_WORKER_CLASS", "gthread")
if worker_class not in ("gthread", "sync"):
    raise SystemExit(f"GEOSERVICE_WORKER_CLASS: '{worker_class}' is not supported; use gthread "
                     "(default) or sync (behind a buffering reverse proxy)")
# (gunicorn turns sync into gthread when threads > 1)
threads = int(os.environ.get("GEOSERVICE_THREADS", 8)) if worker_class == "gthread" else 1
# at most this many connections per worker (kept-alive ones included); more wait in the backlog
worker_connections = 1000
backlog = 2048

# A worker that does not report to the master for `timeout` seconds is killed and replaced;
# on SIGTERM/SIGHUP workers finish the requests they have within `graceful_timeout`.
timeout = 30
graceful_timeout = 20
# Seconds an idle kept-alive connection stays open (a proxy in front should use a longer one).
keepalive = 5

# Request size limits: the request line (method, path and query; the app answers a query over
# MAX_QUERY_BYTES with 414, gunicorn a line over this with 400), number and size of headers.
limit_request_line = 8190
limit_request_fields = 64
limit_request_field_size = 8190

# Recycle each worker after about this many requests (jitter: not all at once): a backstop against
# slow leaks (every cache is bounded). Under full load (~1,500 req/s per worker on 2 cores) that
# is every minute or two; each new worker loads its snapshot (1-5 s) while the others serve.
max_requests = 100000
max_requests_jitter = 10000

# Each worker builds its own app (store connection, LISTEN thread, data snapshot) after the fork:
# connections and threads do not survive fork(), and a failed start shows per worker.
preload_app = False

# The heartbeat file lives in memory, so a slow disk cannot make the master kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# several instances on a host would share; the service does not use it.
control_socket_disable = True

accesslog = os.environ.get("GEOSERVICE_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GEOSERVICE_LOG_LEVEL", "info")
proc_name = "geoservice"
