"""The portal as the security scanners see it: the real app with rate limits switched off.

With the limits on, a scanner's payloads on the sign-in form and the API are mostly answered
429 and never reach the code under test. The limits themselves are checked separately, on
the real configuration (scripts/scan_dynamic.py, tests/security/test_rate_limits.py). Used
only by scripts/scan_dynamic.py: ``gunicorn scripts.scan_wsgi:app``.
"""

from portal import create_app

app = create_app({"RATELIMIT_ENABLED": False})
