"""Pingyi (评议): the HTTP shell around the `ballots` domain."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    from service.core import api_docs, cli, csrf, db, embedded_pg, errors, health, redact
    from service.core.api import bp as api_bp
    from service.core.config import Settings
    from service.core.openapi import spec_bp
    from service.web import register as register_web

    pages = load_features()

    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    settings = (test_config or {}).get("SETTINGS") or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact.install()
    dsn = settings.database_url or embedded_pg.ensure(settings.var_dir)
    app.config.update(
        SETTINGS=settings,
        DATABASE_DSN=dsn,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="pingyi_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=settings.upload_max_bytes + 64 * 1024,
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "SETTINGS"})
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from service.voting.fastpath import CastFastPath
    app.wsgi_app = CastFastPath(app, app.wsgi_app)  # inside ProxyFix: it reads the scheme ProxyFix sets

    if settings.trusted_proxies:
        # Behind nginx every request comes from the proxy: take the client address (for the
        # rate limit, never stored) and scheme from its X-Forwarded-* headers.
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    errors.register(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(spec_bp)
    app.register_blueprint(api_docs.bp)
    app.register_blueprint(health.bp)
    register_web(app, pages)
    app.teardown_appcontext(db.teardown)
    app.jinja_env.globals["csrf_token"] = csrf.token
    app.after_request(_security_headers)
    app.session_interface = _SessionInterface()
    cli.register(app)
    return app


# The features: importing a feature's `api` registers its routes on service.core.api's blueprint;
# its page modules each carry a blueprint (several may share service.web.admin).
FEATURES = ("accounts", "campaigns", "issuance", "voting", "results", "publication", "audit", "webhooks", "embeds", "paper")
PAGES = ("accounts.signin", "accounts.pages", "campaigns.pages", "campaigns.drafts", "issuance.pages", "voting.pages",
         "results.pages", "publication.pages", "publication.calendar_pages", "publication.public", "audit.pages",
         "webhooks.pages", "embeds.pages", "embeds.widgets", "paper.pages")


def load_features() -> list:
    """Import every feature's routes and pages; return the page modules."""
    import importlib
    import importlib.util
    for name in FEATURES:
        if importlib.util.find_spec(f"service.{name}.api") is not None:
            importlib.import_module(f"service.{name}.api")
    return [importlib.import_module(f"service.{name}") for name in PAGES]


_SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
]


_API_HEADERS = _SECURITY_HEADERS[:2]  # JSON is never rendered: CSP and framing rules are for pages
# What _security_headers gives every JSON answer (service/voting/fastpath.py sends the same).
JSON_HEADERS = (*_API_HEADERS, ("Cache-Control", "no-store"))

HSTS = "max-age=31536000; includeSubDomains"


def _security_headers(resp):
    h, mimetype = resp.headers, resp.mimetype  # each read of either parses the header again
    # request.is_secure, read from the environ: over https (behind a trusted proxy: its
    # X-Forwarded-Proto), never over http.
    if request.environ.get("wsgi.url_scheme") in ("https", "wss"):
        h["Strict-Transport-Security"] = HSTS
    if mimetype == "application/json":
        h.extend(_API_HEADERS)
    elif "Content-Security-Policy" not in h:
        h.extend(_SECURITY_HEADERS)
    else:  # a page that names its own policy (the /embed/ widgets, framed by the allowlist): no DENY
        h.extend(_API_HEADERS)
    if mimetype in ("text/html", "application/json") and "Cache-Control" not in h:
        h["Cache-Control"] = "no-store"  # ballots, receipts, results: never kept by a browser or proxy
    return resp


# Pages other sites frame (service/embeds/widgets.py): public, so no session is read there, and no
# cookie is ever set on them, whatever a template touches (a framed page that set one would be
# a third-party cookie, and a signed-in organiser's preview would refresh theirs from it).
SESSIONLESS_PREFIXES = ("/embed/",)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once instead of on every request, and
    no cookie parsing for a request without cookies (the API's: a cast carries none); none at all
    under SESSIONLESS_PREFIXES."""

    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ or request.path.startswith(SESSIONLESS_PREFIXES):
            return self.session_class()  # what the parent gives a request without cookies
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return None
        return super().save_session(app, session, response)

    def get_signing_serializer(self, app):
        signer = app.extensions.get("pingyi_session_signer")
        if signer is None:
            signer = app.extensions["pingyi_session_signer"] = super().get_signing_serializer(app)
        return signer
