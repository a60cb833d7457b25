"""CSRF protection as production runs it: secure cookies, behind nginx (X-Forwarded-Proto), no Referer.

Every page says ``Referrer-Policy: no-referrer``, so a real browser posts its forms without a
Referer. Flask-WTF's strict HTTPS referrer check refused all of them ("Foutcode: csrf"):
officials could not log in and a worker could not open her pass. The protection is the
token plus SameSite=Strict cookies plus the browser's Fetch Metadata (docs/adr/0010).
"""

from __future__ import annotations

import pytest

from tests.support.service import Clock, code_at, csrf_token

#: What Chromium sends for a form on our own page over https, with Referrer-Policy no-referrer.
SAME_ORIGIN = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7",
               "Sec-Fetch-Site": "same-origin", "Origin": "null"}


@pytest.fixture
def production(instance):  # type: ignore[no-untyped-def]
    from tokenservice import config
    from tokenservice.web.app import create_app

    app = create_app(config.load(env={}, instance_dir=instance.path,
                                 database_url=instance.database_url, secure_cookies=True,
                                 proxy_hops=1))
    yield app
    app.extensions["pas"].db.dispose()


@pytest.fixture
def client(production):  # type: ignore[no-untyped-def]
    # gunicorn sees plain http from nginx; the scheme comes from X-Forwarded-Proto.
    c = production.test_client()
    c.environ_base.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in SAME_ORIGIN.items()})
    return c


def test_official_logs_in_without_a_referer_behind_tls(client, instance) -> None:
    password, secret = instance.accounts["intake"]
    token = csrf_token(client)
    first = client.post("/login", data={"csrf_token": token, "username": "intake",
                                        "password": password})
    assert first.status_code == 302 and first.location.endswith("/login/totp"), first.get_data(as_text=True)[:300]
    second = client.post("/login/totp", data={"csrf_token": csrf_token(client, "/login/totp"),
                                              "code": code_at(secret, Clock().now)})
    assert second.status_code == 302 and not second.location.endswith("/login")


def test_worker_form_posts_without_a_referer_behind_tls(client) -> None:
    response = client.post("/mijn-pas/", data={"csrf_token": csrf_token(client, "/mijn-pas/"),
                                               "number": "XX-0000-0000", "code": "nope"})
    assert response.status_code != 400 or "csrf" not in response.get_data(as_text=True)


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_form_posted_from_another_site_is_refused_even_with_a_token(client, instance, site) -> None:
    password, _ = instance.accounts["intake"]
    token = csrf_token(client)
    response = client.post("/login", data={"csrf_token": token, "username": "intake",
                                           "password": password},
                           headers={"Sec-Fetch-Site": site})
    assert response.status_code == 400 and "csrf" in response.get_data(as_text=True)


def test_the_token_is_still_needed(client, instance) -> None:
    password, _ = instance.accounts["intake"]
    csrf_token(client)
    response = client.post("/login", data={"username": "intake", "password": password})
    assert response.status_code == 400 and "csrf" in response.get_data(as_text=True)


def test_pages_still_send_no_referer(client) -> None:
    assert client.get("/login").headers["Referrer-Policy"] == "no-referrer"


def test_a_browser_that_refuses_cookies_is_told_so(production, instance) -> None:  # type: ignore[no-untyped-def]
    # Reloading cannot help such a browser: the page must name cookies, in her language on
    # /mijn-pas (the rehearsal checks the same in real Chromium with cookies blocked).
    from werkzeug.test import Client

    no_cookies = production.test_client(use_cookies=False)
    assert isinstance(no_cookies, Client)
    token = csrf_token(no_cookies)
    office = no_cookies.post("/login", data={"csrf_token": token, "username": "intake",
                                             "password": "x"}, headers=SAME_ORIGIN)
    assert office.status_code == 400 and "cookies" in office.get_data(as_text=True)
    token = csrf_token(no_cookies, "/mijn-pas/?lang=es")
    worker = no_cookies.post("/mijn-pas/?lang=es", data={"csrf_token": token, "lang": "es",
                                                         "number": "x", "code": "y"},
                             headers=SAME_ORIGIN)
    page = worker.get_data(as_text=True)
    assert worker.status_code == 400 and "Tu navegador rechaza las cookies" in page
