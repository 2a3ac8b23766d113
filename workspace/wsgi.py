"""The WSGI entry for gunicorn (deploy/gunicorn.conf.py): `gunicorn -c deploy/gunicorn.conf.py`.

Production unless WORKSPACE_ENV says otherwise, so the start-up checks (workspace/ops/startup.py)
stop a worker that lacks SECRET_KEY, an https BASE_URL or DATABASE_URL. gunicorn's gevent worker
patches the standard library before it imports this module, so Socket.IO runs in gevent mode.
Background jobs are not run here: production runs `flask jobs work` as a process of its own.
"""

from __future__ import annotations

import os

from workspace import create_app

os.environ.setdefault("WORKSPACE_ENV", "production")

app = create_app()
