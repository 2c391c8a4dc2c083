"""The browsable API reference at /api/docs: swagger-ui's dist files, served from the pinned
flask-swagger-ui wheel (never a CDN), started by our own static/api-docs.js on /api/openapi.json.

Public, as the document it shows is. The package's own blueprint is not used: its page starts
swagger-ui with an inline script, which the service's `script-src 'self'` refuses."""
from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, render_template, send_from_directory

from service.core.errors import NotFound

DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css")  # what the page loads; nothing else of dist is served

bp = Blueprint("api_docs", __name__)


@bp.get("/api/docs")
def page():
    return render_template("api_docs.html")


@bp.get("/api/docs/assets/<name>")
def asset(name):
    if name not in ASSETS:
        raise NotFound("no such file")
    return send_from_directory(DIST, name, max_age=86400)
