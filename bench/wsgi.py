"""The portal as the benchmark serves it under gunicorn: ``bench.wsgi:app``.

Production settings come from the environment (bench/run.py sets ``PORTAL_ENV=production``,
``SECRET_KEY`` and ``PORTAL_SIGNING_KEY``). The only override: rate limits are off, because
the benchmark is one client address sending thousands of requests a second; every other
part of a request (sessions, CSRF, security headers, the database) is what production runs.
"""

from portal import create_app

app = create_app({"RATELIMIT_ENABLED": False})
