"""App-wide protections: security headers, CSRF on forms, and no page open without login.

The crawls read ``app.url_map``, so routes that other blueprints add later are
checked too without changing this file. Only the paths in ``PUBLIC`` may answer
without a login.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import BuildError

from tests.support.service import csrf_token, login

#: Path prefixes that answer without login: publication for verifiers, the login itself,
#: static files, the verifier web app and the worker's own pass page (later), and the
#: OpenAPI description of the JSON API (no data in it).
PUBLIC = ("/.well-known/", "/static/", "/login", "/verify", "/mijn-pas", "/api/v1/openapi.json")
#: POST routes meant for people who are not logged in (yet).
PUBLIC_POST = ("/login", "/lang")
DENIED = {401, 403, 404, 405}
REDIRECTS = {301, 302, 303, 307, 308}


def _is_public(path: str) -> bool:
    return path.startswith(PUBLIC)


def _sample_urls(app, method: str) -> list[tuple[str, str]]:
    """(endpoint, url) for every rule with ``method``, arguments filled with harmless samples."""
    urls = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            if method not in (rule.methods or ()):
                continue
            for sample in ("x1", 1, str(uuid.UUID(int=1)), "GM9999"):
                try:
                    url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, sample),
                                        method=method)
                except (BuildError, ValueError, TypeError):
                    continue
                if adapter.match(urlsplit(url).path, method=method)[0] == rule.endpoint:
                    urls.append((rule.endpoint, url))
                    break
            else:
                pytest.fail(f"cannot build a URL for {rule.rule} ({rule.endpoint})")
    return urls


def _denied_or_to_login(response) -> bool:
    if response.status_code in DENIED:
        return True
    return response.status_code in REDIRECTS and urlsplit(response.location).path == "/login"


def _check_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "no-referrer"


def _check_html(response) -> None:
    """No inline script, event handlers or style attributes (the CSP would block them anyway)."""
    page = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page, re.I), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", page, re.I), "inline event handler"
    assert not re.search(r"\sstyle\s*=", page, re.I), "style attribute"
    assert not re.search(r"<style", page, re.I), "<style> element"


def test_every_html_page_carries_the_security_headers(app, client, instance, clock) -> None:
    seen = 0

    def visit(c, path: str, **kw) -> None:
        nonlocal seen
        response = c.get(path, **kw)
        _check_headers(response)
        if response.mimetype == "text/html" and response.status_code == 200:
            _check_html(response)
            seen += 1

    for path in ("/login", "/", "/login/totp", "/no-such-page", "/account/password"):
        visit(client, path)
    for role in ("intake", "handhaver", "beheer"):  # every page, as each role
        official = app.test_client()
        login(official, instance, clock, role)
        for _endpoint, url in _sample_urls(app, "GET"):
            visit(official, url)
    assert seen >= 4
    # Redirects and errors carry them too.
    _check_headers(client.post("/logout"))  # no CSRF token: 400


def test_enrolment_page_has_no_inline_script_or_style(app, client, clock) -> None:
    from tokenservice.access import accounts

    with app.extensions["pas"].db.transaction() as s:
        _account, token = accounts.create_pending(s, username="nieuw", role="beheer", by=None,
                                                  now=clock.now)
    page = client.get(f"/enrol/{token}")
    assert page.status_code == 200
    _check_headers(page)
    _check_html(page)


@pytest.mark.parametrize("path", ["/login", "/logout", "/lang", "/login/totp"])
def test_post_without_csrf_token_is_refused(client, instance, path: str) -> None:
    client.get("/login")  # a session exists, only the token is missing
    data = {"username": "intake", "password": instance.accounts["intake"][0], "lang": "en", "code": "123456"}
    assert client.post(path, data=data).status_code == 400
    assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400


def test_logged_in_forms_need_the_csrf_token_too(client, instance, clock) -> None:
    password = instance.accounts["intake"][0]
    login(client, instance, clock, "intake")
    data = {"old": password, "new": "a new long password", "repeat": "a new long password"}
    assert client.post("/account/password", data=data).status_code == 400
    assert client.post("/logout").status_code == 400
    with client.session_transaction() as s:
        assert s.get("authenticated")


def test_without_login_only_public_pages_answer(app, client) -> None:
    """Crawl every GET route: anything not public must send to login or refuse."""
    problems = []
    for endpoint, url in _sample_urls(app, "GET"):
        response = client.get(url)
        status = response.status_code
        if _is_public(urlsplit(url).path):
            if status >= 500:
                problems.append(f"{url} ({endpoint}): {status}")
        elif not _denied_or_to_login(response):
            problems.append(f"{url} ({endpoint}): {status} {response.location or ''}")
    assert not problems, "open without login:\n" + "\n".join(problems)


def test_without_login_no_post_route_acts(app, client) -> None:
    """Crawl every POST route with a valid CSRF token but no login: none may do anything."""
    problems = []
    for endpoint, url in _sample_urls(app, "POST"):
        path = urlsplit(url).path
        if (_is_public(path) and path != "/login/totp") or path in PUBLIC_POST:
            continue
        response = client.post(url, data={"csrf_token": csrf_token(client)})
        if not _denied_or_to_login(response):
            problems.append(f"POST {url} ({endpoint}): {response.status_code}")
    assert not problems, "acts without login:\n" + "\n".join(problems)


def test_public_pages_are_really_there(client) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/.well-known/pas/anchor.pub").status_code == 200
    assert client.get("/static/css/auth.css").status_code == 200
