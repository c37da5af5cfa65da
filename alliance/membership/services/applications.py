"""Applications: submit, move through review and council approval, public notice, admit, reject."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import audit, mail
from alliance.auth.models import User
from alliance.clock import now_utc, today_local
from alliance.extensions import db
from alliance.members import credit_code as cc
from alliance.members.forms import credit_code_message
from alliance.members.models import (
    ROLE_ADMIN,
    STATUS_ACTIVE,
    STATUS_APPLICANT,
    Colleague,
    MemberUnit,
)
from alliance.membership.models import (
    APP_ADMITTED,
    APP_APPROVED,
    APP_NOTICE,
    APP_REJECTED,
    APP_REVIEWED,
    APP_SUBMITTED,
    OPEN_APPLICATION_STATUSES,
    Application,
    ApplicationStep,
)
from alliance.membership.services.common import (
    MembershipError,
    add_years,
    duplicate_problems,
    make_slug,
    record_history,
)


def open_application_of(user: User) -> Application | None:
    """Return the user's application that is still being handled, if any."""
    return db.session.scalar(
        select(Application).where(
            Application.applicant_id == user.id,
            Application.status.in_(OPEN_APPLICATION_STATUSES),
        )
    )


def latest_application_of(user: User) -> Application | None:
    """Return the user's most recent application, open or decided."""
    return db.session.scalar(
        select(Application)
        .where(Application.applicant_id == user.id)
        .order_by(Application.id.desc())
        .limit(1)
    )


def submit_application(unit_data: dict, licence: dict, applicant: User) -> Application:
    """Create the applicant unit and its application; mail the applicant."""
    if applicant.colleague is not None:
        raise MembershipError(_l("Your account already belongs to a member unit."))
    if open_application_of(applicant) is not None:
        raise MembershipError(_l("You already have an application being handled."))
    code = cc.normalize(unit_data["credit_code"])
    message = credit_code_message(code)
    if message:
        raise MembershipError(message, "credit_code")
    for field, message in duplicate_problems(code, unit_data["name_zh"]).items():
        raise MembershipError(message, field)
    unit = MemberUnit(
        slug=make_slug(unit_data.get("name_en")),
        credit_code=code,
        status=STATUS_APPLICANT,
        name_en=unit_data.get("name_en") or None,
        org_type=unit_data["org_type"],
        district=unit_data.get("district") or None,
        address=unit_data.get("address") or None,
        phone=unit_data.get("phone") or None,
        email=unit_data.get("email") or None,
        website=unit_data.get("website") or None,
        intro_zh=unit_data.get("intro_zh") or None,
        intro_en=unit_data.get("intro_en") or None,
    )
    unit.set_name(unit_data["name_zh"])
    db.session.add(unit)
    db.session.flush()
    application = Application(
        unit=unit,
        applicant=applicant,
        status=APP_SUBMITTED,
        unit_name_zh=unit.name_zh,
        unit_name_en=unit.name_en,
        credit_code=code,
        accepted_constitution_at=now_utc(),
        **licence,
    )
    application.steps.append(ApplicationStep(from_status=None, to_status=APP_SUBMITTED))
    db.session.add(application)
    audit.record(
        "membership.application_submitted",
        application,
        new={"unit": unit.name_zh, "credit_code": code},
        actor=applicant,
    )
    _mail_applicant(application, "application_received")
    return application


def _mail_applicant(application: Application, template: str, **ctx) -> None:
    user = application.applicant
    mail.send(
        user.email,
        f"membership/mail/{template}",
        locale=user.locale,
        user=user,
        application=application,
        **ctx,
    )


def _step(application: Application, to_status: str, actor, note: str | None) -> None:
    old = application.status
    application.steps.append(
        ApplicationStep(
            from_status=old, to_status=to_status, actor_id=getattr(actor, "id", None), note=note
        )
    )
    application.status = to_status
    audit.record(
        f"membership.application_{to_status}",
        application,
        old={"status": old},
        new={"status": to_status, "note": note},
        actor=actor,
    )


def advance_application(application: Application, actor: User, note: str | None = None) -> str:
    """Move an application one step on (council approval opens the public notice at once)."""
    note = (note or "").strip() or None
    if application.status == APP_SUBMITTED:
        _step(application, APP_REVIEWED, actor, note)
        _mail_applicant(application, "application_step", note=note)
    elif application.status in (APP_REVIEWED, APP_APPROVED):
        if application.status == APP_REVIEWED:
            _step(application, APP_APPROVED, actor, note)
        days = current_app.config["MEMBERSHIP_NOTICE_DAYS"]
        application.notice_ends_on = today_local() + timedelta(days=days)
        _step(application, APP_NOTICE, actor, None)
        _mail_applicant(application, "application_step", note=note)
    elif application.status == APP_NOTICE:
        if not application.may_admit(today_local()):
            raise MembershipError(
                _l(
                    "The public notice runs until %(day)s; admission is possible after it ends.",
                    day=application.notice_ends_on.isoformat(),
                )
            )
        _admit(application, actor, note)
    else:
        raise MembershipError(_l("This application is closed."))
    return application.status


def _admit(application: Application, actor: User, note: str | None) -> None:
    unit, applicant = application.unit, application.applicant
    if unit is None:
        raise MembershipError(_l("The applicant unit no longer exists."))
    if applicant.colleague is not None:
        raise MembershipError(
            _l("The applicant's account has joined another unit meanwhile; it cannot be admitted.")
        )
    _step(application, APP_ADMITTED, actor, note)
    application.decided_at = now_utc()
    unit.status = STATUS_ACTIVE
    unit.joined_on = today_local()
    unit.valid_until = add_years(unit.joined_on, current_app.config["MEMBERSHIP_TERM_YEARS"])
    db.session.add(Colleague(user=applicant, unit=unit, role=ROLE_ADMIN))
    unit.representative_id = applicant.id
    db.session.flush()
    record_history(unit, "status", STATUS_APPLICANT, STATUS_ACTIVE, actor, "application")
    record_history(unit, "representative", None, applicant.display_name, actor, "application")
    _mail_applicant(application, "application_admitted")


def reject_application(application: Application, actor: User, reason: str) -> None:
    """Reject an open application with a reason; free the name and code for a new application."""
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError(_l("Give a reason for the rejection."), "reason")
    if not application.is_open:
        raise MembershipError(_l("This application is closed."))
    _step(application, APP_REJECTED, actor, reason)
    application.reason = reason
    application.decided_at = now_utc()
    unit = application.unit
    _mail_applicant(application, "application_rejected", reason=reason)
    if unit is not None and unit.status == STATUS_APPLICANT:
        application.unit = None
        db.session.delete(unit)


def public_notice(limit: int = 10) -> dict:
    """Return applications in public notice and recently admitted units (two queries)."""
    in_notice = db.session.scalars(
        select(Application)
        .where(Application.status == APP_NOTICE)
        .order_by(Application.notice_ends_on, Application.id)
        .limit(limit)
    ).all()
    since = today_local() - timedelta(days=current_app.config["PUBLIC_NOTICE_DAYS"])
    admitted = db.session.scalars(
        select(MemberUnit)
        .where(
            MemberUnit.status == STATUS_ACTIVE,
            MemberUnit.is_founding.is_(False),
            MemberUnit.joined_on >= since,
        )
        .order_by(MemberUnit.joined_on.desc(), MemberUnit.id.desc())
        .limit(limit)
    ).all()
    return {"in_notice": in_notice, "admitted": admitted}
