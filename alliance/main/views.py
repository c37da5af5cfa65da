"""Home page, language switch, health checks and error pages."""

import math
import time

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.globals import request_ctx
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from alliance.auth.services import is_safe_next
from alliance.database import ServiceError, commit_or_report
from alliance.extensions import db, limiter
from alliance.page_cache import public_page

bp = Blueprint("main", __name__)


@bp.route("/")
@public_page
def index():
    """Explain the alliance and show what is new."""
    return render_template("main/index.html")


@bp.post("/language")
def set_language():
    """Switch the interface language for this session (and the signed-in user)."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return render_template("errors/error.html", code=400, message=_("Unknown language.")), 400
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        with commit_or_report():
            current_user.locale = lang
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.route("/healthz")
def healthz():
    """Answer that the process is up, without touching the database."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/readyz")
def readyz():
    """Answer whether the database can be reached."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means not ready
        current_app.logger.exception("readiness check failed")
        return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


ERROR_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("The page you asked for does not exist."),
    405: lambda: _("This address does not accept that kind of request."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. The error has been logged."),
}


def _error_page(code: int, message: str | None = None, retry_after: str | None = None):
    message = message or ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])()
    if db.session.is_active:
        db.session.rollback()
    if request_ctx.url_adapter is None:
        # No URL can be built for this request (e.g. a Host werkzeug refused): the site's page
        # needs url_for for every link, so answer in plain text.
        return Response(f"{code} {message}\n", code, mimetype="text/plain"), code
    return render_template(
        "errors/error.html", code=code, message=message, retry_after=retry_after
    ), code


def _seconds_until_reset() -> int | None:
    """Return how many seconds until the rate limit that was hit lets requests through."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def register_error_pages(app) -> None:
    """Render every error in the site's layout and language, never with a traceback."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _error_page(
            400,
            _(
                "The form had expired or came from another site. Go back, reload the page "
                "and try again."
            ),
        )

    @app.errorhandler(ServiceError)
    def refused(error: ServiceError):
        # A rule refused the request outside commit_or_report (e.g. a unit that is not active,
        # checked by a view before its form): its own message and status, never a 500.
        return _error_page(error.status, str(error.message))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            retry_after = _seconds_until_reset()
            message = (
                _("Too many requests. Please try again in %(s)s seconds.", s=retry_after)
                if retry_after
                else None
            )
            response, code = _error_page(429, message, retry_after)
            return response, code, {"Retry-After": str(retry_after)} if retry_after else {}
        if error.code in ERROR_MESSAGES:
            return _error_page(error.code)
        return _error_page(error.code, error.description)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if isinstance(error, ServiceError):
            return refused(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _error_page(500)


def register_template_helpers(app) -> None:
    """Filters and globals every template can use."""

    @app.template_filter("datetime")
    def _datetime(value, fmt="yyyy-MM-dd HH:mm"):
        return format_datetime(value, fmt) if value else ""

    # Globals (not a context processor) so that imported macros see them too.
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions

    # The one rule for units that are not active: templates hide write buttons and say why.
    from alliance.members import acting

    app.jinja_env.globals["unit_may_write"] = lambda unit: acting.may_write(unit, current_user)
    app.jinja_env.globals["unit_not_active_message"] = acting.not_active_message

    @app.context_processor
    def _globals():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
