"""Matrix entries of the membership feature: applying, /my/unit self-service, change requests,
history, colleagues and invitations, and the secretariat's queue, unit tools and import/export.

Rules (issue 3 and the domain notes):
- anyone may apply (a visitor is mailed a link to the form first; that link creates a new account,
  so only an anonymous visitor may use it: every signed-in account is refused); an invitation
  link is for the invited address only (here an address without
  an account, so only an anonymous visitor may use it: every signed-in account is refused);
- the unit's colleagues (admin, staff, representative) and the secretariat see its self-service
  profile and its colleagues (also through the former /people addresses, which redirect); its admins and the secretariat edit the profile, invite, change roles,
  remove colleagues, name the representative and withdraw invitations;
- the history is readable by the unit's admins and the secretariat;
- the application queue, change requests, unit list, discipline, tier and import/export are
  the secretariat's.
"""

import io
from datetime import timedelta

from sqlalchemy import select

from alliance.clock import now_utc
from alliance.extensions import db
from alliance.members.models import Colleague
from alliance.membership import services as membership_services
from alliance.membership import transfer
from alliance.membership.models import EmailVerification
from tests.factories import make_user, valid_credit_code
from tests.security.access import (
    EVERYONE,
    OWN_UNIT,
    OWN_UNIT_ADMIN,
    SECRETARIAT_ONLY,
    Access,
)

OWN_UNIT_OR_SECRETARIAT = OWN_UNIT | {"secretariat"}
INVITATION_TOKEN = "matrix-invitation-token-0123456789abcdef"
APPLY_TOKEN = "matrix-apply-link-token-0123456789abcdef"


def build(world, people) -> None:
    unit, admin, secretariat = people["unit"], people["own_unit_admin"], people["secretariat"]
    # An application waiting for first review, by a person without a unit.
    applicant = make_user(email="applicant@example.org")
    application = membership_services.submit_application(
        {
            "name_zh": "厦门示例申请单位有限公司",
            "name_en": "Applicant Example Ltd",
            "credit_code": valid_credit_code(990001),
            "org_type": "enterprise",
        },
        {
            "legal_representative": "申请人",
            "registered_capital": "100万元",
            "established_on": None,
            "registered_address": "厦门市软件园二期",
            "business_scope": "软件开发",
            "contact_name": "申请人",
            "contact_phone": "0592-0000000",
        },
        applicant,
    )
    # The owning unit's admin asks to change its English name (a key field).
    change = membership_services.update_profile(unit, {"name_en": "Renamed Example Unit"}, admin)
    # An invitation of the owning unit to an address that has no account yet.
    invitation = membership_services.invite(unit, "invitee@example.org", "staff", admin)
    invitation.token_hash = membership_services.hash_token(INVITATION_TOKEN)
    # A verified link to the application form, for an address without an account.
    db.session.add(
        EmailVerification(
            email="verified-applicant@example.org",
            token_hash=membership_services.hash_token(APPLY_TOKEN),
            expires_at=now_utc() + timedelta(days=1),
        )
    )
    # An import preview the secretariat made (the unit's own export: nothing to change).
    preview = transfer.make_preview("units.csv", transfer.export_csv([unit], "en"), secretariat)
    db.session.flush()
    colleagues = {
        c.user_id: c.id
        for c in db.session.scalars(select(Colleague).where(Colleague.unit_id == unit.id))
    }
    world.objects.update(
        application=application.id,
        change_request=change.id,
        invitation=invitation.id,
        invitation_token=INVITATION_TOKEN,
        apply_token=APPLY_TOKEN,
        import_token=preview.token,
        staff_colleague=colleagues[people["own_unit_staff"].id],
        representative_colleague=colleagues[people["representative"].id],
    )


def _unit(w) -> dict:
    return {"unit_id": w.unit}


def _staff(w) -> dict:
    return {"unit_id": w.unit, "colleague_id": w.objects["staff_colleague"]}


def _representative(w) -> dict:
    return {"unit_id": w.unit, "colleague_id": w.objects["representative_colleague"]}


ENTRIES = {
    "membership.apply": Access(
        {"GET": EVERYONE, "POST": EVERYONE},
        note="signed-in people of a unit get the 'you already belong to a unit' page",
    ),
    "membership.apply_form": Access(
        {"GET": {"anonymous"}, "POST": {"anonymous"}},
        args=lambda w: {"token": w.objects["apply_token"]},
        note="the mailed link creates an account for its address; any signed-in account gets 403",
    ),
    "membership.accept_invitation": Access(
        {"GET": {"anonymous"}, "POST": {"anonymous"}},
        args=lambda w: {"token": w.objects["invitation_token"]},
        note="the invitation is for an address without an account; any other account gets 403",
    ),
    "membership.my_unit": Access(
        {"GET": OWN_UNIT_OR_SECRETARIAT, "POST": OWN_UNIT_ADMIN},
        args=_unit,
        data=lambda w: {"short_name": "示例"},
    ),
    "membership.history": Access({"GET": OWN_UNIT_ADMIN}, args=_unit),
    "membership.colleagues": Access({"GET": OWN_UNIT_OR_SECRETARIAT}, args=_unit),
    "membership.old_colleagues_url": Access(
        {"GET": OWN_UNIT_OR_SECRETARIAT},
        args=_unit,
        note="the former /people address: a 301 to the colleagues page for those who may see it",
    ),
    "membership.invite": Access(
        {"POST": OWN_UNIT_ADMIN},
        args=_unit,
        data=lambda w: {"email": "colleague@example.org", "role": "staff"},
    ),
    "membership.set_role": Access(
        {"POST": OWN_UNIT_ADMIN}, args=_staff, data=lambda w: {"role": "staff"}
    ),
    "membership.old_colleague_action_url": Access(
        {"POST": OWN_UNIT_ADMIN},
        args=lambda w: {**_staff(w), "action": "role"},
        data=lambda w: {"role": "staff"},
        note="the former /people/<id>/<action> address: a 308 to the new one for the unit's admins",
    ),
    "membership.remove_colleague": Access(
        {"POST": OWN_UNIT_ADMIN},
        args=_representative,
        note="the representative cannot be removed: allowed roles get the refusal flash",
    ),
    "membership.make_representative": Access({"POST": OWN_UNIT_ADMIN}, args=_representative),
    "membership.revoke_invitation": Access(
        {"POST": OWN_UNIT_ADMIN},
        args=lambda w: {"unit_id": w.unit, "invitation_id": w.objects["invitation"]},
    ),
    # The secretariat's screens.
    "membership_admin.applications": Access({"GET": SECRETARIAT_ONLY}),
    "membership_admin.application": Access(
        {"GET": SECRETARIAT_ONLY}, args=lambda w: {"application_id": w.objects["application"]}
    ),
    "membership_admin.advance": Access(
        {"POST": SECRETARIAT_ONLY},
        args=lambda w: {"application_id": w.objects["application"]},
        data=lambda w: {"note": "初审通过"},
    ),
    "membership_admin.reject": Access(
        {"POST": SECRETARIAT_ONLY},
        args=lambda w: {"application_id": w.objects["application"]},
        data=lambda w: {"reason": "材料不全"},
    ),
    "membership_admin.change_requests": Access({"GET": SECRETARIAT_ONLY}),
    "membership_admin.approve_change": Access(
        {"POST": SECRETARIAT_ONLY}, args=lambda w: {"request_id": w.objects["change_request"]}
    ),
    "membership_admin.reject_change": Access(
        {"POST": SECRETARIAT_ONLY},
        args=lambda w: {"request_id": w.objects["change_request"]},
        data=lambda w: {"reason": "名称不符"},
    ),
    "membership_admin.units": Access({"GET": SECRETARIAT_ONLY}),
    "membership_admin.export": Access({"GET": SECRETARIAT_ONLY}, args=lambda w: {"fmt": "csv"}),
    "membership_admin.unit": Access({"GET": SECRETARIAT_ONLY}, args=_unit),
    "membership_admin.unit_status": Access(
        {"POST": SECRETARIAT_ONLY}, args=_unit, data=lambda w: {"action": "warn", "reason": "提醒"}
    ),
    "membership_admin.unit_tier": Access(
        {"POST": SECRETARIAT_ONLY},
        args=_unit,
        data=lambda w: {"tier": "council", "reason": "核对"},
    ),
    "membership_admin.import_units": Access(
        {"GET": SECRETARIAT_ONLY, "POST": SECRETARIAT_ONLY},
        data=lambda w: {"file": (io.BytesIO(b"credit_code\n"), "units.csv")},
    ),
    "membership_admin.import_preview": Access(
        {"GET": SECRETARIAT_ONLY}, args=lambda w: {"token": w.objects["import_token"]}
    ),
    "membership_admin.import_confirm": Access(
        {"POST": SECRETARIAT_ONLY}, args=lambda w: {"token": w.objects["import_token"]}
    ),
}
