"""How starrating is served (gunicorn reads this file from its working directory).

    cd /srv/starrating && .venv/bin/gunicorn 'starrating:create_app()'

Why these settings (docs/deploy.md, "Serving configuration"):
- gthread workers: keep-alive works (sync workers answer every request with
  `Connection: close`, so every request behind nginx or from wrk paid a new TCP
  connection), and a worker's second thread takes a request while the first waits on the
  database.
- workers = 2 × cores, threads 2: more threads per process spend CPU contending for
  Python's interpreter lock (a kept page cost ~5 ms of CPU with 2 × 4, ~3.5–5 ms with 4 × 2;
  docs/performance.md); processes overlap the database waits as well. Each keeps its own
  connection pool (workers × threads per server: size max_connections for it).
- keepalive 5 s: a teacher's phone loads a page and its assets over one connection.
Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_THREADS,
GUNICORN_BIND, GUNICORN_MAX_REQUESTS) or on the command line.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5
backlog = 2048
timeout = 60  # exports run in the job worker, not in a request
graceful_timeout = 30
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))  # 0: never recycle
max_requests_jitter = 500 if max_requests else 0
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def post_worker_init(worker):
    """The app is loaded: move what it built (models, compiled statements, templates) out of
    the cyclic collector's sight. A full collection otherwise walks those hundreds of
    thousands of long-lived objects again and again under load (a pause in the slowest
    requests); objects made later are collected as usual."""
    import gc

    gc.collect()
    gc.freeze()
