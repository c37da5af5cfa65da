"""Sign in, sign out, password change and reset, account page."""

import hmac
import time
from functools import wraps

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
from sqlalchemy.orm import joinedload

from alliance import audit, mail
from alliance.auth import services
from alliance.auth import two_factor as two_factor_service
from alliance.auth.forms import (
    AccountForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    EnableTwoFactorForm,
    ForgotPasswordForm,
    LoginForm,
    ReauthenticateForm,
    ResetPasswordForm,
    TwoFactorForm,
)
from alliance.auth.models import User
from alliance.database import commit_or_report, utcnow
from alliance.extensions import db, limiter, login_manager
from alliance.links import external_url

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user named in the session, if the session's nonce is still the current one."""
    uid, _sep, nonce = user_id.partition(":")
    if not uid.isdigit() or not nonce:
        return None
    # One statement for what every signed-in page needs: the user, its roles and its unit.
    user = db.session.get(
        User, int(uid), options=(joinedload(User.roles), joinedload(User.colleague))
    )
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_nonce.encode(), nonce.encode()):
        return None
    return user


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _two_factor_limit() -> str:
    return current_app.config["TWO_FACTOR_RATE_LIMIT"]


def start_session(user: User, remember: bool = False) -> None:
    """Begin a fresh session for the user (a new session, so no fixation), keeping the language."""
    lang = user.locale or session.get("lang")
    session.clear()
    login_user(user, remember=remember)
    session["auth_at"] = int(time.time())
    if lang:
        session["lang"] = lang


DEVICE_COOKIE = "signed_in_before"


def _remember_device(response, user: User):
    """Mark this browser as one the account signed in from (skips the delay after failures)."""
    response.set_cookie(
        DEVICE_COOKIE,
        services.device_token(user),
        max_age=365 * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def _next_url(target: str | None = None) -> str:
    target = target if target is not None else request.args.get("next")
    return target if services.is_safe_next(target) else url_for("main.index")


def is_fresh() -> bool:
    """Tell whether the user signed in (or confirmed their password) within REAUTH_MINUTES."""
    auth_at = session.get("auth_at")
    window = current_app.config["REAUTH_MINUTES"] * 60
    return isinstance(auth_at, int) and 0 <= time.time() - auth_at <= window


def fresh_login_required(view):
    """Require a sign-in within the last few minutes; otherwise ask for the password again."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not is_fresh():
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.reauthenticate", next=target))
        return view(*args, **kwargs)

    return wrapped


def _pending_user() -> tuple[User | None, dict]:
    """Return the user waiting for the second step of sign-in, if that step has not expired."""
    pending = session.get("2fa_pending")
    if not isinstance(pending, dict):
        return None, {}
    if time.time() - pending.get("at", 0) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        session.pop("2fa_pending", None)
        return None, {}
    user = load_user(str(pending.get("id", "")))
    return (user if user is not None and user.totp_enabled else None), pending


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        device = request.cookies.get(DEVICE_COOKIE)
        user = services.authenticate(form.email.data, form.password.data, device)
        db.session.commit()  # keeps the failure counter even when sign-in fails
        if user is not None and user.totp_enabled:
            # Password right; the session is renewed but nobody is signed in until the code.
            lang = user.locale or session.get("lang")
            session.clear()
            session["2fa_pending"] = {
                "id": user.get_id(),
                "at": int(time.time()),
                "remember": bool(form.remember.data),
                "next": _next_url(),
            }
            if lang:
                session["lang"] = lang
            return redirect(url_for("auth.login_verify"))
        if user is not None:
            start_session(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return _remember_device(redirect(_next_url()), user)
        # One message for every failure, so it never tells whether an address is registered.
        # One message for every failure (unknown address, wrong password, an attempt inside the
        # delay after repeated failures), so it never tells whether an address is registered.
        form.form_errors.append(
            _(
                "The email or password is not right, or there were too many attempts: wait a "
                "moment and try again, or reset your password."
            )
        )
    return render_template("auth/login.html", form=form)


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_two_factor_limit, methods=["POST"])
def login_verify():
    """Second step of sign-in: a code from the authenticator app or a recovery code."""
    user, pending = _pending_user()
    if user is None:
        flash(_("Please sign in again."), "warning")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        now = utcnow()
        ok = user.accepts_attempt(now) and two_factor_service.verify(user, form.code.data)
        if ok:
            user.register_success(now)
        elif user.accepts_attempt(now):
            services.record_failure(user, now)
        db.session.commit()
        if ok:
            start_session(user, remember=pending.get("remember", False))
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return _remember_device(redirect(_next_url(pending.get("next"))), user)
        form.form_errors.append(
            _(
                "The code is not right, or there were too many attempts: wait a moment and "
                "try again."
            )
        )
    return render_template("auth/login_verify.html", form=form)


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def reauthenticate():
    """Ask for the password (and second factor) again before a sensitive change."""
    user = current_user._get_current_object()
    form = ReauthenticateForm()
    if form.validate_on_submit():
        now = utcnow()
        accepted = user.accepts_attempt(now)
        ok = accepted and user.check_password(form.password.data)
        if ok and user.totp_enabled:
            ok = two_factor_service.verify(user, form.code.data or "")
        if ok:
            user.register_success(now)
            session["auth_at"] = int(time.time())
        elif accepted:
            services.record_failure(user, now)
        db.session.commit()
        if ok:
            return redirect(_next_url())
        form.form_errors.append(_("The password or code is not right."))
    return render_template("auth/reauthenticate.html", form=form)


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
@fresh_login_required
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
        with commit_or_report():
            services.request_password_reset(
                form.email.data,
                lambda token: external_url("auth.reset_password", token=token),
            )
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
        user.next_attempt_at = None
        audit.record("user.password_reset", user, actor=user)
        db.session.commit()
        flash(_("Your password has been set. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@fresh_login_required
def change_email():
    """Mail a confirmation link to the new address; the change happens when it is followed."""
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        new_email = form.email.data.strip()
        # Answer the same whether or not the address is taken (no account enumeration).
        if services.find_user_by_email(new_email) is None:
            token = services.make_email_token(user, new_email)
            mail.send(
                new_email,
                "auth/mail/change_email",
                locale=user.locale,
                user=user,
                secret_links={"link": external_url("auth.confirm_email", token=token)},
                hours=current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600,
            )
            db.session.commit()
        flash(
            _("We sent a confirmation link to %(email)s. Follow it to finish.", email=new_email),
            "info",
        )
        return redirect(url_for("auth.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@login_required
def confirm_email(token: str):
    """Confirm a new address from the mailed link (a button, so mail scanners change nothing)."""
    if len(token) > 1000:
        abort(404)
    user = current_user._get_current_object()
    new_email = services.email_change_for_token(token, user)
    if new_email is None:
        flash(_("This confirmation link is invalid, used or expired."), "warning")
        return redirect(url_for("auth.account"))
    form = ConfirmForm()
    if form.validate_on_submit():
        old_email, old_locale = user.email, user.locale
        if not services.change_email(user, new_email):
            db.session.rollback()
            flash(_("That address now belongs to another account."), "danger")
            return redirect(url_for("auth.account"))
        mail.send(
            old_email, "auth/mail/email_changed", locale=old_locale, user=user, new_email=new_email
        )
        db.session.commit()
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
        start_session(user, remember=remembered)
        flash(_("Your email address is now %(email)s.", email=new_email), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/confirm_email.html", form=form, new_email=new_email)


@bp.route("/account/2fa", methods=["GET"])
@fresh_login_required
def two_factor():
    """Show two-factor sign-in: enrolment with a QR code, or its status and options."""
    user = current_user._get_current_object()
    if user.totp_enabled:
        return render_template(
            "auth/two_factor.html",
            remaining=two_factor_service.unused_recovery_codes(user),
            form=ConfirmForm(),
        )
    # The new secret waits on the user row, sealed, never in the (signed, readable) cookie.
    with commit_or_report():
        secret = two_factor_service.pending_secret(user, start=True)
    uri = two_factor_service.provisioning_uri(user, secret)
    return render_template(
        "auth/two_factor_setup.html",
        form=EnableTwoFactorForm(),
        secret=secret,
        uri=uri,
        qr=two_factor_service.qr_data_uri(uri),
    )


@bp.post("/account/2fa/enable")
@fresh_login_required
@limiter.limit(_two_factor_limit)
def two_factor_enable():
    """Turn two-factor sign-in on after checking a code; show the recovery codes once."""
    user = current_user._get_current_object()
    secret = two_factor_service.pending_secret(user)
    form = EnableTwoFactorForm()
    if user.totp_enabled or secret is None:
        return redirect(url_for("auth.two_factor"))
    codes = None
    if form.validate_on_submit():
        codes = two_factor_service.enable(user, secret, form.code.data)
        if codes is None:
            form.code.errors.append(_("The code is not right. Check the time on your phone."))
    if codes is None:
        uri = two_factor_service.provisioning_uri(user, secret)
        page = render_template(
            "auth/two_factor_setup.html",
            form=form,
            secret=secret,
            uri=uri,
            qr=two_factor_service.qr_data_uri(uri),
        )
        return page, 422
    db.session.commit()
    session["auth_at"] = int(time.time())
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/account/2fa/recovery-codes")
@fresh_login_required
def two_factor_recovery_codes():
    """Replace the recovery codes with new ones and show them once."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not user.totp_enabled or not form.validate_on_submit():
        abort(400)
    codes = two_factor_service.replace_recovery_codes(user)
    audit.record("user.recovery_codes_replaced", user)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/account/2fa/disable")
@fresh_login_required
def two_factor_disable():
    """Turn two-factor sign-in off (not allowed for secretariat accounts)."""
    user = current_user._get_current_object()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if user.is_secretariat and current_app.config["SECRETARIAT_REQUIRES_2FA"]:
        flash(_("Secretariat accounts must keep two-factor sign-in on."), "danger")
        return redirect(url_for("auth.two_factor"))
    if user.totp_enabled:
        two_factor_service.disable(user)
        db.session.commit()
        flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("auth.account"))
