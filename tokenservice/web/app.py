"""The Flask application factory, and all that is app-wide.

:func:`create_app` builds the :class:`~tokenservice.services.Services` container, sets up
Flask and its extensions, and wires everything that holds for every page: the checks
before each request (Fetch Metadata, CSRF, the official's session), the security
headers, the error pages and the template helpers. Blueprints (one per area) hold only
their own routes and hooks (docs/adr/0017).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from flask import Flask, request, session
from flask_babel import Babel, gettext
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from tokenservice import config as config_mod
from tokenservice import escrow
from tokenservice.access.accounts import prepare_totp
from tokenservice.config import Settings
from tokenservice.errors import Error
from tokenservice.escrow import retention
from tokenservice.services import Services
from tokenservice.store.db import Database
from tokenservice.web import (
    api,
    auth,
    beheer,
    enrol,
    handhaving,
    intake,
    mijnpas,
    publication,
    verifyapp,
)
from tokenservice.web.context import (
    EXTENSION,
    OFFICIAL_LANGUAGES,
    current_locale,
    endpoint_url,
    error_page,
)

csrf = CSRFProtect()
babel = Babel()

#: No inline script or style anywhere; wasm for the QR decoder of the verifier app.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def _locale() -> str:
    # Dutch unless the official switched: a browser set to English must not surprise a
    # Dutch team mid-spreekuur (and the tests' Chromium sends en-US).
    lang = session.get("lang")
    return str(lang) if lang in OFFICIAL_LANGUAGES else "nl"


class _App(Flask):
    def log_exception(self, exc_info: Any) -> None:
        """Name the route, not the URL: paths of the API and /mijn-pas hold pass numbers."""
        rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
        self.logger.error("Exception on %s [%s]", rule, request.method, exc_info=exc_info)


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    """Build the app from ``settings`` (default: environment + instance folder)."""
    settings = settings or config_mod.load(**overrides)
    app = _App(__name__, instance_path=str(settings.instance_dir), instance_relative_config=True)
    _configure(app, settings)
    svc = Services.build(settings)
    app.extensions[EXTENSION] = svc
    _purge_at_start(settings, svc.db)
    # TOTP secrets are sealed with instance/totp.key; rows from before migration 0005 are
    # sealed here, once (docs/adr/0013).
    prepare_totp(svc.db, settings.instance_dir)
    _publish_at_start(svc)
    if settings.proxy_hops:
        # Behind nginx every request comes from 127.0.0.1; the rate limits of /mijn-pas
        # need the client address nginx puts in X-Forwarded-For (it overwrites, never appends).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )
    _check_requests(app)
    babel.init_app(app, locale_selector=_locale)
    _register_blueprints(app)
    _secure_responses(app, hsts=settings.secure_cookies)
    _error_pages(app)
    app.context_processor(_template_helpers)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    """Flask's own settings: the session cookie, upload size, CSRF and Babel."""
    secret = settings.secret_key
    if not secret:
        if not settings.debug and not settings.demo:
            raise config_mod.ConfigError("PAS_SECRET_KEY is not set; see docs/configuration.md")
        secret = secrets.token_hex(32)
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="pas_session",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + 256 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the session's own idle timeout bounds it
        # Pages send no Referer (URLs hold pass numbers), so Flask-WTF's https referrer check
        # would refuse every form; the token, SameSite=Strict and Fetch Metadata protect them.
        WTF_CSRF_SSL_STRICT=False,
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_TRANSLATION_DIRECTORIES="translations",
        TEMPLATES_AUTO_RELOAD=settings.debug,
    )


def _check_requests(app: Flask) -> None:
    """Before every request, in this order: a form from another site is refused (Fetch
    Metadata), then one without a valid CSRF token, then an official's session is checked
    (idle time, age, account unchanged)."""
    app.before_request(_refuse_cross_site_forms)
    csrf.init_app(app)
    app.before_request(auth.check_session)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per area; the API is token-authenticated, so CSRF does not apply to it."""
    for blueprint in (publication.bp, auth.bp, enrol.bp, intake.bp, handhaving.bp, beheer.bp,
                      api.bp, verifyapp.bp, mijnpas.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)  # token-authenticated, no cookies: CSRF does not apply


def _secure_responses(app: Flask, *, hsts: bool) -> None:
    """Security headers on every response (a blueprint may set a stricter CSP of its own)."""

    @app.after_request
    def _headers(response: Any) -> Any:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=(), payment=()"
        if hsts:
            h["Strict-Transport-Security"] = "max-age=63072000"
        # Pages may show a pass that was just issued: never keep them in a cache.
        h.setdefault("Cache-Control", "no-store")
        return response


def _error_pages(app: Flask) -> None:
    """The app's error pages (JSON under /api/, the error page elsewhere)."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        # No session cookie at all: the browser refuses cookies, and reloading cannot help.
        no_cookie = app.config["SESSION_COOKIE_NAME"] not in request.cookies
        if request.path.startswith("/mijn-pas"):
            return mijnpas.form_refused(no_cookie=no_cookie)
        if no_cookie:
            return error_page(400, "cookies", gettext(
                "Uw browser weigert cookies. Inloggen en formulieren hebben één cookie nodig "
                "(de sessie); sta cookies toe voor deze site en probeer het opnieuw."))
        return error_page(400, "csrf", gettext("Het formulier is verlopen; laad de pagina opnieuw."))

    @app.errorhandler(403)
    def _forbidden(_exc: Any) -> Any:
        return error_page(403, "forbidden", gettext("U heeft geen toegang tot deze pagina."))

    @app.errorhandler(413)
    def _too_large(_exc: Any) -> Any:
        return error_page(413, "too_large", gettext("Het bestand is te groot."))

    @app.errorhandler(Error)
    def _domain_error(exc: Error) -> Any:
        return error_page(400, exc.code, exc.diagnostics())


def _template_helpers() -> dict[str, Any]:
    """What every template may call."""
    return {
        "current_official": auth.current_official,
        "endpoint_url": endpoint_url,
        "current_locale": current_locale,
    }


#: Sec-Fetch-Site values of a form on our own pages ("none": typed or bookmarked by the user).
_OWN_SITE = frozenset({"same-origin", "none"})


def _refuse_cross_site_forms() -> None:
    """Fetch Metadata check (docs/adr/0010): a browser that says a POST came from another site
    is refused, token or not. Browsers without the header still need the CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.blueprint == "api":
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in _OWN_SITE:
        raise CSRFError("The form was sent from another site.")


def _publish_at_start(svc: Services) -> None:
    """With ``public_dir``: the lists as this process sees them (a reload brings a new trust
    list) go out as static files; unchanged files stay untouched. A bad folder is refused
    before the start (ops/preflight.py); a failure here is logged, the endpoints still serve."""
    try:
        svc.publish()
    except Exception:
        logging.getLogger(__name__).exception("publishing the lists into public_dir failed")


def _purge_at_start(settings: Settings, db: Database) -> None:
    """Retention runs at every start as well as from the daily timer (``pas-service purge``)."""
    try:
        grace = escrow.config_for(settings).grace_days
    except Error:
        grace = escrow.DEFAULT_GRACE_DAYS
    try:
        retention.purge(db, int(time.time()), grace)
    except Exception as exc:  # a database not migrated yet must not stop `init`
        logging.getLogger(__name__).warning("start-up purge skipped: %s", type(exc).__name__)
