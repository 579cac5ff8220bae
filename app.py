"""Entry point for `flask run` and gunicorn (`gunicorn app:app`)."""

from portal import create_app

app = create_app()
