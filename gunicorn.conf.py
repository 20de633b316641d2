"""How starrating is served (gunicorn reads this file from its working directory).

    cd /srv/starrating && .venv/bin/gunicorn 'starrating:create_app()'

Why these settings (docs/deploy.md, "Serving configuration"):
- gthread workers: a worker's threads overlap the database waits of their requests, and
  keep-alive works (sync workers answer every request with `Connection: close`, so every
  request behind nginx or from wrk paid a new TCP connection).
- workers = cores (not 2 × cores + 1): the threads take the waits; more processes would
  only compete for the same cores, and each keeps its own connection pool.
- threads 4: a class page spends a fraction of its time in the database; four threads keep
  a core busy without holding too many PostgreSQL connections (workers × threads per server:
  size max_connections for it).
- keepalive 5 s: a teacher's phone loads a page and its assets over one connection.
Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_THREADS,
GUNICORN_BIND, GUNICORN_MAX_REQUESTS) or on the command line.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
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
