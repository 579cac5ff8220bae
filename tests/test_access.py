"""Every route declares an access rule, and each role is held to it on the server."""

import re

import pytest

from portal.security import AUTHENTICATED, PUBLIC
from tests.factories import create_user

ROLES = ("learner", "manager", "trainer", "admin")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_declares_an_access_rule(app):
    missing = [rule.rule for rule, view in _routes(app) if not hasattr(view, "access_rule")]
    assert missing == [], f"routes without an access rule: {missing}"


def _url(rule) -> str:
    # Fill every URL argument with a value that names no real object.
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "999999", rule.rule)


@pytest.mark.parametrize("role", (None, *ROLES))
def test_each_role_is_held_to_each_rule(app, client, role):
    if role:
        user = create_user(role)
        client.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    checked = 0
    for rule, view in _routes(app):
        access = view.access_rule
        if access == PUBLIC:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_url(rule), method=method)
        if role is None:
            expected = (401,) if rule.rule.startswith("/api/") else (302,)
            assert response.status_code in expected, rule.rule
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], rule.rule
        elif access == AUTHENTICATED or role in access:
            assert response.status_code not in (401, 403), (role, rule.rule)
            assert response.status_code < 500, (role, rule.rule)
        else:
            assert response.status_code == 403, (role, rule.rule, response.status_code)
        checked += 1
    assert checked > 5
