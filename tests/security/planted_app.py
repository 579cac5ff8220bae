"""A tiny app with the classic flaws, planted on purpose: the scanners must go red on it.

Never imported by the portal. ``scripts/scan_dynamic.py --planted`` serves it on loopback and
checks that wapiti, schemathesis and the rate-limit check each fail on it; the static
scanners are shown failing on planted files in ``tests/security/test_planted_flaws.py``.

Flaws: reflected XSS (``/search?q=``), SQL injection (``/item?id=``, ``/api/items?name=``), a
POST form without a CSRF token and no rate limit (``/login``), no security headers at all,
and a 500 in the JSON API (``/api/price?qty=0``).
"""

from __future__ import annotations

import sqlite3
import sys

from flask import Flask, jsonify, request

app = Flask(__name__)
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
DB.executemany("INSERT INTO items (name) VALUES (?)", [("gạc",), ("bông",), ("cồn",)])

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "planted", "version": "1"},
    "paths": {
        "/api/price": {"get": {
            "parameters": [{"name": "qty", "in": "query", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"each": {"type": "number"}}}}}}}}},
        "/api/items": {"get": {
            "parameters": [{"name": "name", "in": "query", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"type": "array"}}}}}}},
    },
}


@app.route("/")
def index():
    return ('<html><body><a href="/search?q=gac">search</a> <a href="/item?id=1">item</a> '
            '<a href="/login">login</a></body></html>')


@app.route("/search")
def search():
    q = request.args.get("q", "")
    return "<html><body><h1>Results for " + q + "</h1></body></html>"  # planted XSS


@app.route("/item")
def item():
    row = DB.execute("SELECT name FROM items WHERE id = " + request.args.get("id", "0")  # noqa: S608  # nosec B608 - planted SQL injection
                     ).fetchone()
    return f"<html><body><p>{row[0] if row else 'none'}</p></body></html>"


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        return "<html><body>wrong password</body></html>", 401  # no CSRF, no rate limit
    return ('<html><body><form method="post" action="/login"><input name="email">'
            '<input type="password" name="password"><button>Sign in</button></form>'
            "</body></html>")


@app.route("/openapi.json")
def openapi():
    return jsonify(SPEC)


@app.route("/api/price")
def price():
    return jsonify({"each": 100 / int(request.args.get("qty", "1"))})  # planted 500 on 0


@app.route("/api/items")
def items():
    name = request.args.get("name", "")
    rows = DB.execute(f"SELECT id, name FROM items WHERE name = '{name}'").fetchall()  # noqa: S608  # nosec B608 - planted
    return jsonify([list(r) for r in rows])


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)  # noqa: S201
