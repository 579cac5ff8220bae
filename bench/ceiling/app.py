"""The ceiling: the least a signed-in page must do, served like the portal (bench/run.py)."""

import os

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

app = Flask(__name__, root_path=os.path.dirname(os.path.abspath(__file__)))
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)
USER_ID = int(os.environ.get("CEILING_USER_ID", "1"))


@app.route("/")
def page():
    """Read one row (the signed-in person) and render a template of 20 items."""
    user = db.session.execute(text("SELECT id, name, email FROM users WHERE id = :id"),
                              {"id": USER_ID}).one()
    return render_template("ceiling.html", user=user, items=range(1, 21))
