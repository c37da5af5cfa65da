"""Sign in, sign out, password change and reset, account page."""

import hmac

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from alliance import audit, mail
from alliance.auth import services
from alliance.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from alliance.auth.models import User
from alliance.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user named in the session, if the session's nonce is still the current one."""
    uid, _sep, nonce = user_id.partition(":")
    if not uid.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_nonce.encode(), nonce.encode()):
        return None
    return user


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def start_session(user: User, remember: bool = False) -> None:
    """Begin a fresh session for the user (a new session, so no fixation), keeping the language."""
    lang = user.locale or session.get("lang")
    session.clear()
    login_user(user, remember=remember)
    if lang:
        session["lang"] = lang


def _next_url() -> str:
    target = request.args.get("next")
    return target if services.is_safe_next(target) else url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        db.session.commit()  # keeps the failure counter even when sign-in fails
        if user is not None:
            start_session(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(_next_url())
        # One message for every failure, so it never tells whether an address is registered.
        form.form_errors.append(
            _(
                "The email or password is not right, or sign-in is paused after repeated "
                "failures. Try again later or reset your password."
            )
        )
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out everywhere: rotating the nonce kills every copy of the session cookie."""
    user = current_user._get_current_object()
    user.rotate_nonce()
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("main.index"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Show the account and let the user change their display name."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        old = current_user.display_name
        current_user.display_name = form.display_name.data.strip()
        audit.record(
            "user.updated",
            current_user,
            old={"display_name": old},
            new={"display_name": current_user.display_name},
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; asks for the current one and ends other sessions."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user)
    if form.validate_on_submit():
        services.change_password(user, form.password.data)
        db.session.commit()
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
        start_session(user, remember=remembered)
        flash(_("Your password has been changed; other sessions have been signed out."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    """Mail a reset link; answer the same whether or not the address is registered."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.active:
            token = services.make_reset_token(user)
            mail.send(
                user.email,
                "reset_password",
                locale=user.locale,
                user=user,
                link=url_for("auth.reset_password", token=token, _external=True),
                minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
            )
            db.session.commit()
        flash(
            _("If that address belongs to an account, a reset link is on its way to it."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password with a valid, unexpired, unused token."""
    if len(token) > 500:
        abort(404)
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid, used or expired. Ask for a new one."), "warning")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.failed_logins = 0
        user.locked_until = None
        audit.record("user.password_reset", user, actor=user)
        db.session.commit()
        flash(_("Your password has been set. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
