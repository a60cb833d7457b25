"""An unhandled error's log line names the route, never the URL (issue 12, finding 7).

Flask logs "Exception on /api/v1/passes/DM-7K3M9QXD-4/renew [POST]": the path of the API and
of /mijn-pas carries pass numbers, and the log is a file the server writes.
"""

from __future__ import annotations

import logging

import pytest

from tests.support.service import session_login, token_for
from tokenservice.issue.passes import PassService
from verifier import passnumber


def test_a_crash_on_a_pass_url_logs_the_rule_not_the_number(app, client, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(PassService, "status", boom)
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    number = passnumber.new("DM")
    caplog.set_level(logging.DEBUG)
    response = client.post(f"/api/v1/passes/{number}/renew", headers=token_for(app, "intake"),
                           data={"photo": (b"x", "p.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 500
    logged = caplog.text + "".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "simulated fault" in logged  # the error itself is logged, for the operator
    assert "/api/v1/passes/<number>/renew" in logged
    assert number not in logged and number.replace("-", "") not in logged


@pytest.mark.parametrize("path", ["/beheer/accounts/99999999999999999999"])
def test_an_overflowing_id_is_not_a_500(app, client, path) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "beheer")
    assert client.get(path).status_code == 404
