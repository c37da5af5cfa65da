"""The table of forms the hostile-input corpus is posted to; add a row for every new form.

Each row names the endpoint, the role that uses the form (a role of tests/security/matrix.py;
`build_hostile_world()` below adds the features' objects, keys prefixed `h_`, to the matrix's
world), a valid baseline for every field (or a function of the world), and how to tell success
from refusal. Upload fields get the hostile files of their kind; id fields other units' ids
(`foreign`, `foreign_args`); an accepted submission is undone by `after_accept`. The corpus (tests/security/test_hostile_inputs.py) replaces one field at
a time with each payload, drops and duplicates fields, breaks the encoding, the CSRF token and
the size; length limits are read from each field's `Length(max=…)` validator in `form_class`.
"""

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from alliance import clock
from alliance.admin.forms import AuditFilterForm, RolesForm, UserSearchForm
from alliance.auth import forms as auth_forms
from alliance.auth import services as auth_services
from alliance.auth.models import User
from alliance.database import utcnow
from alliance.extensions import db
from tests.factories import PASSWORD
from tests.security.matrix import World, build_world

NEW_PASSWORD = "a much better passphrase 2026"


def _no_args(_world: World) -> dict:
    return {}


def _nothing(_app, _client, _world) -> None:
    return None


@dataclass(frozen=True)
class FormCase:
    name: str
    endpoint: str
    role: str  # who fills it in: a role of matrix.ROLES
    fields: dict[str, str] | Callable[[World], dict]  # field -> a valid value
    form_class: type | None = None  # for Length(max=…) limits and field kinds
    method: str = "POST"
    args: Callable[[World], dict] = _no_args  # URL arguments, built in an app context
    success: str | None = None  # Location prefix of a successful submission (None: no redirect)
    show: str | Callable[[World], str] | None = None  # page showing what the form stored
    prepare: Callable = _nothing  # (app, client, world) before each submission
    # Fields whose value must be a real one for the form to get anywhere (e.g. the password).
    fuzz: tuple[str, ...] | None = None  # default: every field
    id_fields: tuple[str, ...] = ()  # fields that name objects: also posted with other units' ids
    file_fields: tuple[str, ...] = ()  # upload fields: oversize, mismatched, bomb payloads
    volatile: dict[str, set[str]] = field(default_factory=dict)  # table -> columns it may touch
    # Field names as the form class knows them, when the page posts them with a prefix.
    prefix: str = ""
    # Upload fields' valid files (a fresh (bytes, filename) per submission) and their kind:
    # "image" (PNG/JPEG/WebP), "table" (CSV/XLSX) or "json" — it picks the hostile files.
    files: dict[str, Callable[[], tuple[bytes, str]]] = field(default_factory=dict)
    file_kind: str = "image"
    # Fields that get every kind of payload (test_hostile_inputs.KINDS, one variant each); the
    # others get the core payloads and a share of the rest. Default: the first fuzzed field.
    full: tuple[str, ...] | None = None
    # The page showing what the form stored (a path, or a function of the world) and the fields
    # whose stored values it must show escaped (default: every fuzzed field). Markdown fields
    # (`rich`) are only checked for active content: their text is rendered, not shown as typed.
    shown: tuple[str, ...] | None = None
    rich: tuple[str, ...] = ()
    # Other units' (or other elections') ids a field must refuse: field -> ids.
    foreign: Callable[[World], dict[str, list[str]]] | None = None
    # URL arguments naming another unit's object: the valid body posted there must be refused.
    foreign_args: Callable[[World], dict] | None = None
    # Fields taking one of a few codes (a radio, a select): every payload must be refused.
    closed: tuple[str, ...] = ()
    # Undo an accepted submission so that the next one meets the same state.
    after_accept: Callable = _nothing
    # Tell an accepted submission from a refused one when neither is a redirect.
    accepted: Callable | None = None


def _reset_args(world: World) -> dict:
    user = db.session.get(User, world.users["own_unit_staff"])
    return {"token": auth_services.make_reset_token(user)}


def _pending_second_step(app, client, world) -> None:
    """Put the client half-way through a two-factor sign-in of the secretariat."""
    with app.app_context():
        user = db.session.get(User, world.users["secretariat"])
        user.totp_last_step = None
        db.session.commit()
    client.post("/login", data={"email": world.emails["secretariat"], "password": PASSWORD})


def _enrolment_started(app, client, world) -> None:
    client.get("/account/2fa")


SIGN_IN_COUNTERS = {"users": {"failed_logins", "locked_until", "last_login_at", "totp_last_step"}}

FORMS: list[FormCase] = [
    FormCase(
        "login",
        "auth.login",
        "anonymous",
        {"email": "own-staff@example.org", "password": PASSWORD},
        auth_forms.LoginForm,
        success="/",
        volatile=SIGN_IN_COUNTERS,
    ),
    FormCase(
        "login second step",
        "auth.login_verify",
        "anonymous",
        {"code": "000000"},
        auth_forms.TwoFactorForm,
        success="/",
        prepare=_pending_second_step,
        volatile=SIGN_IN_COUNTERS,
    ),
    FormCase(
        "forgot password",
        "auth.forgot_password",
        "anonymous",
        {"email": "nobody@example.org"},
        auth_forms.ForgotPasswordForm,
        success="/login",
    ),
    FormCase(
        "reset password",
        "auth.reset_password",
        "anonymous",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        auth_forms.ResetPasswordForm,
        args=_reset_args,
        success="/login",
    ),
    FormCase(
        "change password",
        "auth.change_password",
        "own_unit_staff",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        None,  # needs a user to construct; limits come from the shared password fields
        success="/account",
    ),
    FormCase(
        "account",
        "auth.account",
        "own_unit_staff",
        {"display_name": "王小明"},
        auth_forms.AccountForm,
        success="/account",
        show="/account",
    ),
    FormCase(
        "change email",
        "auth.change_email",
        "own_unit_staff",
        {"email": "new-address@example.org"},
        auth_forms.ChangeEmailForm,
        success="/account",
    ),
    FormCase(
        "re-authenticate",
        "auth.reauthenticate",
        "own_unit_staff",
        {"password": PASSWORD, "code": ""},
        auth_forms.ReauthenticateForm,
        success="/",
        volatile=SIGN_IN_COUNTERS,
    ),
    FormCase(
        "enable two-factor",
        "auth.two_factor_enable",
        "own_unit_staff",
        {"code": "000000"},
        auth_forms.EnableTwoFactorForm,
        prepare=_enrolment_started,
    ),
    FormCase(
        "language",
        "main.set_language",
        "anonymous",
        {"lang": "en", "next": "/login"},
        success="/",
    ),
    FormCase(
        "admin: user roles",
        "admin.user_detail",
        "secretariat",
        {"secretariat": "", "election_officer": "y", "active": "y"},
        RolesForm,
        args=lambda w: {"user_id": w.users["own_unit_staff"]},
        success="/admin/users/",
    ),
    FormCase(
        "admin: audit filters",
        "admin.audit_log",
        "secretariat",
        {
            "action": "user.",
            "target_type": "users",
            "target_id": "1",
            "actor": "sec@example.org",
            "date_from": "2026-01-01",
            "date_to": "2026-12-31",
        },
        AuditFilterForm,
        method="GET",
    ),
    FormCase(
        "admin: user search",
        "admin.users",
        "secretariat",
        {"q": "example"},
        UserSearchForm,
        method="GET",
    ),
]


# ---------------------------------------------------------------- valid files


def valid_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@functools.cache
def valid_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "单位名称", "单位类型"])
    sheet.append([_import_code(), "厦门导入单位有限公司", "enterprise"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import_code() -> str:
    from tests.factories import valid_credit_code

    return valid_credit_code(8801)


# ---------------------------------------------------------------- the features' objects


def build_hostile_world() -> World:
    """The matrix's world, plus the objects the features' forms act on (prefixed `h_`)."""
    from datetime import date

    from alliance.clock import today_local
    from alliance.elections import services as election_services
    from alliance.elections.models import VOTING_OPEN, Election
    from alliance.members import services as member_services
    from alliance.members.models import Certification, MemberUnit, ServiceLine
    from alliance.membership import services as membership_services
    from alliance.membership.models import EmailVerification, Invitation
    from alliance.resources import services as resource_services
    from alliance.resources.models import PUBLISHED, Resource
    from tests.factories import make_unit, make_user

    world = build_world()
    objects = world.objects
    unit = db.session.get(MemberUnit, world.unit)
    other_unit = db.session.get(MemberUnit, world.other_unit)
    users = {role: db.session.get(User, uid) for role, uid in world.users.items()}
    secretariat = users["secretariat"]
    objects["h_slug"] = unit.slug
    objects["h_other_slug"] = other_unit.slug
    objects["h_unit_name"] = unit.name_zh
    objects["h_unit_code"] = unit.credit_code
    objects["h_unit_org_type"] = unit.org_type or "enterprise"
    objects["h_staff_colleague"] = users["own_unit_staff"].colleague.id
    objects["h_other_colleague"] = users["other_unit_member"].colleague.id

    # Taxonomy: one service line and one certification to edit.
    if db.session.scalar(sa.select(ServiceLine).limit(1)) is None:
        member_services.save_taxonomy_item(
            ServiceLine,
            None,
            {"code": "h-ito", "category": "ITO", "label_zh": "软件开发", "label_en": "Software"},
        )
    if db.session.scalar(sa.select(Certification).limit(1)) is None:
        member_services.save_taxonomy_item(
            Certification, None, {"code": "h-cmmi", "label_zh": "CMMI", "label_en": "CMMI"}
        )
    db.session.flush()
    objects["h_service_line"] = db.session.scalar(sa.select(ServiceLine.id).limit(1))
    objects["h_certification"] = db.session.scalar(sa.select(Certification.id).limit(1))
    objects["h_certification_code"] = db.session.get(Certification, objects["h_certification"]).code
    objects["h_service_line_max"] = db.session.scalar(sa.select(sa.func.max(ServiceLine.id)))

    # Membership: an application in the queue, a change request, an invitation, a unit to act on.
    applicant = make_user(email="h-applicant@example.org")
    application = membership_services.submit_application(
        {
            "name_zh": "厦门申请单位有限公司",
            "name_en": "Applicant Ltd",
            "credit_code": _code(7001),
            "org_type": "enterprise",
        },
        {"legal_representative": "张三", "contact_name": "张三", "contact_phone": "0592-1234567"},
        applicant,
    )
    changing_admin = make_user(email="h-changing@example.org")
    changing = make_unit(admin=changing_admin)
    db.session.flush()
    membership_services.update_profile(changing, {"name_zh": "厦门改名后有限公司"}, changing_admin)
    target = make_unit(name_zh="厦门被处理单位有限公司")
    token = "h-invitation-token-0123456789abcdef"
    invitation = Invitation(
        unit=unit,
        email="h-invitee@example.org",
        role="staff",
        token_hash=membership_services.hash_token(token),
        invited_by_id=world.users["own_unit_admin"],
        expires_at=utcnow() + timedelta(days=7),
    )
    db.session.add(invitation)
    apply_token = "h-apply-link-token-0123456789abcdef"
    db.session.add(
        EmailVerification(
            email="h-new-applicant@example.org",
            token_hash=membership_services.hash_token(apply_token),
            expires_at=utcnow() + timedelta(days=1),
        )
    )
    db.session.flush()
    objects["h_apply_token"] = apply_token
    objects["h_application"] = application.id
    objects["h_applicant_unit"] = application.unit_id
    objects["h_change_request"] = changing.id  # the request is found by its unit below
    from alliance.membership.models import ChangeRequest

    objects["h_change_request"] = db.session.scalar(
        sa.select(ChangeRequest.id).where(ChangeRequest.unit_id == changing.id)
    )
    objects["h_target_unit"] = target.id
    objects["h_invitation_token"] = token
    objects["h_invitation"] = invitation.id

    # Elections: a term, a draft, an election taking nominations, one taking votes.
    voters = [make_unit(admin=(rep := make_user()), representative=rep) for _ in range(3)]
    objects["h_voter_units"] = [v.id for v in voters]
    term = election_services.create_term(41, date(2026, 1, 1), date(2030, 12, 31), {"council": 2})
    draft = election_services.create_election(term, 1, "草稿选举", "Draft election")
    to_cancel = election_services.create_election(term, 1, "待取消的选举", "To cancel")
    nominating = election_services.create_election(term, 1, "提名中的选举", "Nominating")
    voting = election_services.create_election(term, 1, "投票中的选举", "Voting")
    db.session.flush()
    election_services.open_nominations(nominating)
    election_services.open_nominations(voting)
    pending = election_services.nominate(
        nominating.contests[0], unit, secretariat, "候选声明", by_council=True
    )
    for candidate_unit in (other_unit, *voters[:2]):
        cand = election_services.nominate(
            voting.contests[0], candidate_unit, secretariat, "statement", by_council=True
        )
        election_services.respond(cand, secretariat, True, on_behalf=True)
    now = clock.db_now()
    voting.voting_opens_at = now - timedelta(hours=1)
    voting.voting_closes_at = now + timedelta(days=1)
    election_services.confirm_candidates(voting)
    election_services.open_voting(voting)
    db.session.flush()
    objects["h_term"] = term.id
    objects["h_terms"] = list(db.session.scalars(sa.select(type(term).id)))
    objects["h_draft"] = draft.id
    objects["h_cancel"] = to_cancel.id
    objects["h_draft_contest"] = draft.contests[0].id
    objects["h_nominating"] = nominating.id
    objects["h_nominating_contest"] = nominating.contests[0].id
    objects["h_pending_candidate"] = pending.id
    objects["h_voting"] = voting.id
    objects["h_voting_contest"] = voting.contests[0].id
    objects["h_ballot_candidates"] = sorted(c.id for c in voting.candidates())
    objects["h_other_candidate"] = pending.id  # a candidate of another election
    assert db.session.get(Election, voting.id).state == VOTING_OPEN

    # Resources: a resource of the unit, one of the other unit, a thread about the other's.
    resource_services.ensure_default_categories()
    categories = resource_services.categories()
    today = today_local()
    common = {
        "kind": "offer",
        "terms": "free",
        "visibility": "public",
        "status": PUBLISHED,
        "published_at": utcnow(),
        "available_until": today + timedelta(days=30),
        "description_zh": "可容纳 **40** 名学员。",
        "category_id": categories[0].id,
    }
    own_resource = Resource(unit_id=unit.id, title_zh="本单位的实训基地", **common)
    other_resource = Resource(unit_id=other_unit.id, title_zh="其他单位的测试平台", **common)
    db.session.add_all([own_resource, other_resource])
    db.session.flush()
    inquiry = resource_services.ask(
        other_resource, users["own_unit_staff"], "请问何时可用？", today
    )
    db.session.flush()
    objects["h_category"] = categories[0].id
    objects["h_category_code"] = categories[0].code
    objects["h_category_max"] = max(c.id for c in categories)
    objects["h_extend_to"] = (today + timedelta(days=60)).isoformat()
    objects["h_own_resource"] = own_resource.id
    objects["h_other_resource"] = other_resource.id
    objects["h_inquiry"] = inquiry.id
    return world


def _code(n: int) -> str:
    from tests.factories import valid_credit_code

    return valid_credit_code(n)


# ---------------------------------------------------------------- helpers of the features' rows


def _flashed_success(response, client) -> bool:
    """For views that always redirect: accepted when the next page shows a success message."""
    if response.status_code not in (302, 303):
        return False
    page = client.get(response.headers["Location"]).text
    # (a sign-in just before may have left a success message of its own)
    return "alert-success" in page and "alert-danger" not in page


def _no_error_flashed(response, client) -> bool:
    """For views that redirect without a message on success and flash one on refusal."""
    if response.status_code not in (302, 303):
        return False
    return "alert-danger" not in client.get(response.headers["Location"]).text


def _at_location(world, location) -> str:
    return location


def _obj(key: str) -> Callable[[World], object]:
    return lambda w: w.objects[key]


def _execute(app, *statements) -> None:
    with app.app_context():
        for statement in statements:
            db.session.execute(statement)
        db.session.commit()


def _retire_applicant(app, client, world) -> None:
    """Make an accepted application's unit and account leave the way of the next one."""
    from alliance.members.models import MemberUnit
    from alliance.membership.models import Application, EmailVerification

    with app.app_context():
        keep = world.objects["h_application"]
        for application in db.session.scalars(
            sa.select(Application).where(Application.id != keep, Application.status != "rejected")
        ):
            application.status = "rejected"
            n = application.id + 9000
            application.credit_code = _code(n)
            unit = db.session.get(MemberUnit, application.unit_id)
            unit.set_name(f"已撤回的申请{n}")
            unit.credit_code = _code(n)
            user = db.session.get(User, application.applicant_id)
            user.email = user.email_normalized = f"retired-{n}@example.org"
        # the mailed link was used up by the accepted submission: the next one needs it again
        db.session.execute(sa.update(EmailVerification).values(used_at=None))
        db.session.commit()


def _reset_application(app, client, world) -> None:
    from alliance.membership.models import Application

    _execute(
        app,
        sa.update(Application)
        .where(Application.id == world.objects["h_application"])
        .values(status="submitted"),
    )


def _reset_change_request(app, client, world) -> None:
    from alliance.membership.models import ChangeRequest

    with app.app_context():
        request = db.session.get(ChangeRequest, world.objects["h_change_request"])
        request.status, request.open_unit_id = "open", request.unit_id
        db.session.commit()


def _reset_invitation(app, client, world) -> None:
    from alliance.members.models import Colleague
    from alliance.membership.models import Invitation

    with app.app_context():
        invitation = db.session.get(Invitation, world.objects["h_invitation"])
        joined = db.session.get(User, invitation.accepted_by_id)
        if joined is not None:
            db.session.execute(sa.delete(Colleague).where(Colleague.user_id == joined.id))
            joined.email = joined.email_normalized = f"retired-{joined.id}@example.org"
        invitation.accepted_at = invitation.accepted_by_id = None
        db.session.commit()


def _reset_unit(app, client, world) -> None:
    from alliance.members.models import MemberUnit

    _execute(
        app,
        sa.update(MemberUnit)
        .where(MemberUnit.id == world.objects["h_target_unit"])
        .values(status="active", tier="member"),
    )


def _drop_new_terms(app, client, world) -> None:
    from alliance.elections.models import CouncilTerm, TermOffice

    # Keep every term the world was built with (the matrix world has its own elections).
    keep = world.objects["h_terms"]
    _execute(
        app,
        sa.delete(TermOffice).where(TermOffice.term_id.not_in(keep)),
        sa.delete(CouncilTerm).where(CouncilTerm.id.not_in(keep)),
    )


def _drop_new_candidates(app, client, world) -> None:
    from alliance.elections.models import Candidate

    _execute(
        app,
        sa.delete(Candidate).where(
            Candidate.contest_id == world.objects["h_nominating_contest"],
            Candidate.id != world.objects["h_pending_candidate"],
        ),
    )


def _reset_candidate(app, client, world) -> None:
    from alliance.elections.models import Candidate

    _execute(
        app,
        sa.update(Candidate)
        .where(Candidate.id == world.objects["h_pending_candidate"])
        .values(status="nominated"),
    )


def _reset_cancelled(app, client, world) -> None:
    from alliance.elections.models import Election

    _execute(
        app,
        sa.update(Election).where(Election.id == world.objects["h_cancel"]).values(state="draft"),
    )


def _forget_ballot(app, client, world) -> None:
    from alliance.elections.models import Ballot, Participation

    election = world.objects["h_voting"]
    _execute(
        app,
        sa.delete(Participation).where(Participation.election_id == election),
        sa.delete(Ballot).where(Ballot.election_id == election),
    )


def _drop_new_taxonomy(app, client, world) -> None:
    from alliance.members.models import ServiceLine

    _execute(
        app, sa.delete(ServiceLine).where(ServiceLine.id > world.objects["h_service_line_max"])
    )


def _drop_new_categories(app, client, world) -> None:
    from alliance.resources.models import ResourceCategory

    _execute(
        app,
        sa.delete(ResourceCategory).where(ResourceCategory.id > world.objects["h_category_max"]),
    )


def _drop_images(app, client, world) -> None:
    from alliance.resources.models import ResourceImage

    _execute(app, sa.delete(ResourceImage))


def _reopen_resource(app, client, world) -> None:
    from alliance.resources.models import Resource

    _execute(
        app,
        sa.update(Resource)
        .where(Resource.id == world.objects["h_own_resource"])
        .values(status="published", is_hidden=False),
    )


def _resource_page(world, location) -> str:
    """The public page of the resource a form saved (its edit page's id)."""
    resource_id = location.split("/my/resources/")[1].split("/")[0]
    return f"/resources/{resource_id}"


def _resource_fields(world) -> dict:
    return {
        "kind": "offer",
        "category_id": str(world.objects["h_category"]),
        "title_zh": "新的软件测试实训基地",
        "title_en": "A new test lab",
        "description_zh": "可容纳 **四十** 名学员。",
        "description_en": "Room for *forty* trainees.",
        "terms": "free",
        "price_text": "免费",
        "district": "siming",
        "address": "软件园二期观日路",
        "capacity": "40 人",
        "available_from": "",
        "available_until": "",
        "visibility": "public",
        "contact_name": "王老师",
        "contact_phone": "0592-1234567",
        "contact_email": "lab@unit.example.org",
        "publish": "y",
    }


def _profile_fields(world) -> dict:
    o = world.objects
    return {
        "name_zh": o["h_unit_name"],
        "name_en": "",
        "credit_code": o["h_unit_code"],
        "org_type": o["h_unit_org_type"],
        "short_name": "示例单位",
        "district": "siming",
        "address": "软件园二期望海路",
        "address_visibility": "public",
        "phone": "0592-5550000",
        "phone_visibility": "public",
        "email": "office@unit.example.org",
        "email_visibility": "public",
        "website": "https://unit.example.org",
        "founded_year": "2001",
        "staff_size": "50-199",
        "intro_zh": "我们是一家软件外包企业。",
        "intro_en": "We build software.",
        "service_lines": str(o["h_service_line"]),
        "certifications-0-certification_id": str(o["h_certification"]),
        "certifications-0-held": "y",
        "certifications-0-level": "5",
        "certifications-0-year": "2020",
    }


def _ballot_fields(step: str):
    def fields(world) -> dict:
        first, second, third = world.objects["h_ballot_candidates"]
        return {
            f"c-{first}": "approve",
            f"c-{second}": "abstain",
            f"c-{third}": "oppose",
            "step": step,
        }

    return fields


def _rules_fields(_world) -> dict:
    return {
        "ballot_form": "approve_oppose",
        "contested_required": "",
        "proxies_allowed": "y",
        "quorum_num": "2",
        "quorum_den": "3",
        "quorum_cmp": ">=",
        "quorum_base": "electorate",
        "threshold_num": "1",
        "threshold_den": "2",
        "threshold_cmp": ">",
        "threshold_base": "cast",
        "nominations_open_at": "2027-01-01T09:00",
        "nominations_close_at": "2027-01-10T17:00",
        "voting_opens_at": "2027-02-01T09:00",
        "voting_closes_at": "2027-02-01T17:00",
    }


def _csv() -> tuple[bytes, str]:
    return (
        f"统一社会信用代码,单位名称,单位类型\n{_import_code()},厦门导入单位有限公司,enterprise\n".encode(),
        "units.csv",
    )


def _ballot_file() -> tuple[bytes, str]:
    return (b'{"election": {"id": 1}, "contests": [], "ballots": []}', "ballots.json")


def _features() -> list[FormCase]:
    from alliance.elections import forms as election_forms
    from alliance.members import forms as member_forms
    from alliance.membership import forms as membership_forms
    from alliance.resources import forms as resource_forms

    unit_args = lambda w: {"unit_id": w.unit}  # noqa: E731
    return [
        # Members: the directory, logos, the taxonomy.
        FormCase(
            "members: directory search",
            "members.index",
            "anonymous",
            {
                "q": "厦门 软件",
                "type": "enterprise",
                "tier": "member",
                "district": "siming",
                "service": "h-ito",
                "cert": "h-cmmi",
                "founding": "1",
                "sort": "joined",
                "view": "list",
                "per_page": "20",
            },
            method="GET",
            full=("q", "per_page"),
        ),
        FormCase(
            "members: logo",
            "members.edit_logo",
            "own_unit_admin",
            {},
            member_forms.LogoForm,
            args=lambda w: {"slug": w.objects["h_slug"]},
            success="/members/",
            files={"logo": lambda: (valid_png(), "logo.png")},
            file_fields=("logo",),
            foreign_args=lambda w: {"slug": w.objects["h_other_slug"]},
        ),
        FormCase(
            "admin: new service line",
            "members_admin.taxonomy_edit",
            "secretariat",
            {
                "code": "h-new-line",
                "category": "BPO",
                "label_zh": "呼叫中心",
                "label_en": "Call centre",
            },
            member_forms.ServiceLineForm,
            args=lambda w: {"kind": "service-lines"},
            success="/admin/taxonomy",
            show="/admin/taxonomy",
            shown=("label_zh",),
            after_accept=_drop_new_taxonomy,
            full=("label_zh",),
        ),
        FormCase(
            "admin: edit certification",
            "members_admin.taxonomy_edit",
            "secretariat",
            lambda w: {
                "code": w.objects["h_certification_code"],
                "label_zh": "能力成熟度",
                "label_en": "CMMI",
            },
            member_forms.CertificationForm,
            args=lambda w: {"kind": "certifications", "item_id": w.objects["h_certification"]},
            success="/admin/taxonomy",
            show="/admin/taxonomy",
            shown=("label_zh",),
            full=("label_zh",),
        ),
        FormCase(
            "admin: move taxonomy entry",
            "members_admin.taxonomy_move",
            "secretariat",
            {"direction": "down"},
            args=lambda w: {"kind": "service-lines", "item_id": w.objects["h_service_line"]},
            success="/admin/taxonomy",
            closed=("direction",),
        ),
        # Membership: applying, the unit's own pages, the secretariat's queue and unit tools.
        FormCase(
            "membership: apply, the address",
            "membership.apply",
            "anonymous",
            {"email": "h-someone@example.org"},
            membership_forms.ApplyEmailForm,
            # the same answer for every address, a registered one too: "we have sent a message"
            accepted=lambda r, c: r.status_code == 200 and 'name="email"' not in r.text,
        ),
        FormCase(
            "membership: apply",
            "membership.apply_form",
            "anonymous",
            {
                "name_zh": "厦门新申请科技有限公司",
                "name_en": "New Applicant Tech",
                "credit_code": _code(7002),
                "org_type": "enterprise",
                "district": "huli",
                "address": "湖里区软件园三期",
                "phone": "0592-7654321",
                "email": "office@applicant.example.org",
                "website": "https://applicant.example.org",
                "intro_zh": "一家新企业。",
                "intro_en": "A new company.",
                "legal_representative": "李四",
                "registered_capital": "100万元",
                "established_on": "2020-01-01",
                "registered_address": "湖里区",
                "business_scope": "软件开发",
                "contact_name": "李四",
                "contact_phone": "0592-7654321",
                "account_name": "李四",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "accept_constitution": "y",
            },
            membership_forms.ApplicationForm,
            args=lambda w: {"token": w.objects["h_apply_token"]},
            success="/my/unit",
            full=("name_zh", "credit_code"),
            after_accept=_retire_applicant,
            volatile=SIGN_IN_COUNTERS,
        ),
        FormCase(
            "membership: unit profile",
            "membership.my_unit",
            "own_unit_admin",
            _profile_fields,
            membership_forms.ProfileForm,
            success="/my/unit",
            show=lambda w, loc: f"/members/{w.objects['h_slug']}",
            shown=("intro_zh", "address", "short_name"),
            full=("intro_zh", "credit_code"),
            foreign=lambda w: {
                "service_lines": ["999999", "-1"],
            },
            foreign_args=lambda w: {"unit_id": w.other_unit},
        ),
        FormCase(
            "membership: invite a colleague",
            "membership.invite",
            "own_unit_admin",
            {"email": "h-colleague@example.org", "role": "staff"},
            membership_forms.InviteForm,
            args=unit_args,
            success="/my/units/",
            foreign_args=lambda w: {"unit_id": w.other_unit},
            full=("email", "role"),
        ),
        FormCase(
            "membership: colleague's role",
            "membership.set_role",
            "own_unit_admin",
            {"role": "staff"},
            membership_forms.RoleForm,
            args=lambda w: {"unit_id": w.unit, "colleague_id": w.objects["h_staff_colleague"]},
            success="/my/units/",
            foreign_args=lambda w: {
                "unit_id": w.unit,
                "colleague_id": w.objects["h_other_colleague"],
            },
            closed=("role",),
        ),
        FormCase(
            "membership: accept an invitation",
            "membership.accept_invitation",
            "anonymous",
            {"display_name": "新同事", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            membership_forms.AcceptInvitationForm,
            args=lambda w: {"token": w.objects["h_invitation_token"]},
            success="/my/unit",
            after_accept=_reset_invitation,
            volatile=SIGN_IN_COUNTERS,
        ),
        FormCase(
            "admin: advance an application",
            "membership_admin.advance",
            "secretariat",
            {"note": "材料齐全，初审通过。"},
            membership_forms.NoteForm,
            args=lambda w: {"application_id": w.objects["h_application"]},
            success="/admin/applications/",
            show=_at_location,
            after_accept=_reset_application,
        ),
        FormCase(
            "admin: reject an application",
            "membership_admin.reject",
            "secretariat",
            {"reason": "不符合入会条件。"},
            membership_forms.ReasonForm,
            args=lambda w: {"application_id": w.objects["h_application"]},
            success="/admin/applications",
            show=lambda w, loc: f"/admin/applications/{w.objects['h_application']}",
            after_accept=_reset_application,
        ),
        FormCase(
            "admin: reject a change request",
            "membership_admin.reject_change",
            "secretariat",
            {"reason": "名称变更缺少证明材料。"},
            membership_forms.ReasonForm,
            args=lambda w: {"request_id": w.objects["h_change_request"]},
            success="/admin/change-requests",
            after_accept=_reset_change_request,
        ),
        FormCase(
            "admin: unit filters",
            "membership_admin.units",
            "secretariat",
            {
                "q": "厦门",
                "org_type": "enterprise",
                "tier": "member",
                "district": "siming",
                "status": "active",
                "founding": "no",
            },
            membership_forms.UnitFilterForm,
            method="GET",
            full=("q",),
        ),
        FormCase(
            "admin: unit status",
            "membership_admin.unit_status",
            "secretariat",
            {"action": "warn", "reason": "连续两年未缴纳会费。"},
            membership_forms.StatusActionForm,
            args=lambda w: {"unit_id": w.objects["h_target_unit"]},
            success="/admin/units/",
            show="/admin/audit",  # the reason goes to the audit log and the mail
            shown=(),
            after_accept=_reset_unit,
            full=("action", "reason"),
            closed=("action",),
        ),
        FormCase(
            "admin: unit tier",
            "membership_admin.unit_tier",
            "secretariat",
            {"tier": "council", "reason": "换届选举结果。"},
            membership_forms.TierForm,
            args=lambda w: {"unit_id": w.objects["h_target_unit"]},
            success="/admin/units/",
            show="/admin/audit",  # the reason goes to the audit log and the mail
            shown=(),
            after_accept=_reset_unit,
            full=("tier", "reason"),
            closed=("tier",),
        ),
        FormCase(
            "admin: import units",
            "membership_admin.import_units",
            "secretariat",
            {},
            membership_forms.ImportForm,
            success="/admin/units/import/",
            files={"file": _csv},
            file_fields=("file",),
            file_kind="table",
        ),
        # Elections: the officers' forms, nominating, answering, voting, checking a ballot file.
        FormCase(
            "elections admin: new term",
            "elections_admin.create_term",
            "secretariat",
            {
                "term-number": "42",
                "term-starts_on": "2031-01-01",
                "term-ends_on": "2035-12-31",
                "term-seats_chair": "1",
                "term-seats_vice_chair": "2",
                "term-seats_secretary_general": "0",
                "term-seats_standing": "0",
                "term-seats_council": "5",
            },
            election_forms.TermForm,
            prefix="term-",
            success="/admin/elections",
            after_accept=_drop_new_terms,
            full=("term-number", "term-starts_on"),
        ),
        FormCase(
            "elections admin: new election",
            "elections_admin.create",
            "secretariat",
            lambda w: {
                "election-term_id": str(w.objects["h_term"]),
                "election-stage": "1",
                "election-title_zh": "第四十一届理事会选举",
                "election-title_en": "Council",
            },
            election_forms.ElectionForm,
            prefix="election-",
            success="/admin/elections/",
            show="/admin/elections",
            shown=("election-title_zh",),
            full=("election-title_zh", "election-term_id"),
            foreign=lambda w: {"election-term_id": ["999999", "0"]},
        ),
        FormCase(
            "elections admin: rules",
            "elections_admin.dashboard",
            "secretariat",
            _rules_fields,
            election_forms.RulesForm,
            args=lambda w: {"election_id": w.objects["h_draft"]},
            success="/admin/elections/",
            full=("quorum_num", "voting_opens_at"),
        ),
        FormCase(
            "elections admin: cancel",
            "elections_admin.transition",
            "secretariat",
            {"cancel-reason": "理事会决定延期。"},
            election_forms.CancelForm,
            prefix="cancel-",
            args=lambda w: {"election_id": w.objects["h_cancel"], "action": "cancel"},
            success="/admin/elections/",
            after_accept=_reset_cancelled,
        ),
        FormCase(
            "elections admin: nominate",
            "elections_admin.nominate",
            "secretariat",
            lambda w: {
                "nom-contest_id": str(w.objects["h_nominating_contest"]),
                "nom-unit_id": str(w.objects["h_voter_units"][2]),
                "nom-statement": "理事会提名。",
            },
            election_forms.NominationForm,
            prefix="nom-",
            args=lambda w: {"election_id": w.objects["h_nominating"]},
            accepted=_flashed_success,
            show=lambda w, loc: f"/elections/{w.objects['h_nominating']}",
            shown=("nom-statement",),
            after_accept=_drop_new_candidates,
            full=("nom-statement", "nom-contest_id"),
            foreign=lambda w: {
                "nom-contest_id": [w.objects["h_voting_contest"], w.objects["h_draft_contest"]],
                "nom-unit_id": ["999999", w.objects["h_applicant_unit"]],
            },
        ),
        FormCase(
            "elections admin: answer on behalf",
            "elections_admin.answer",
            "secretariat",
            {"answer": "accept"},
            args=lambda w: {"candidate_id": w.objects["h_pending_candidate"]},
            accepted=_no_error_flashed,
            after_accept=_reset_candidate,
            closed=("answer",),
        ),
        FormCase(
            "elections admin: seats",
            "elections_admin.seats",
            "secretariat",
            {"seats-seats": "3"},
            election_forms.SeatsForm,
            prefix="seats-",
            args=lambda w: {"contest_id": w.objects["h_draft_contest"]},
            accepted=_no_error_flashed,
        ),
        FormCase(
            "elections admin: proxy",
            "elections_admin.proxy",
            "secretariat",
            lambda w: {"proxy-unit_id": str(w.unit), "proxy-email": w.emails["own_unit_staff"]},
            election_forms.ProxyForm,
            prefix="proxy-",
            args=lambda w: {"election_id": w.objects["h_voting"]},
            accepted=_flashed_success,
            full=("proxy-email", "proxy-unit_id"),
            foreign=lambda w: {"proxy-unit_id": [w.objects["h_target_unit"], "999999"]},
        ),
        FormCase(
            "elections: nominate",
            "elections.nominate",
            "own_unit_admin",
            lambda w: {
                "contest_id": str(w.objects["h_nominating_contest"]),
                "unit_id": str(w.objects["h_voter_units"][2]),
                "statement": "该单位长期服务联盟。",
            },
            election_forms.NominationForm,
            args=lambda w: {"election_id": w.objects["h_nominating"]},
            success="/elections/",
            show=_at_location,
            shown=("statement",),
            after_accept=_drop_new_candidates,
            full=("statement", "contest_id", "unit_id"),
            foreign=lambda w: {
                "contest_id": [w.objects["h_voting_contest"], w.objects["h_draft_contest"]],
                "unit_id": ["999999", w.objects["h_applicant_unit"]],
            },
        ),
        FormCase(
            "elections: answer a nomination",
            "elections.answer",
            "own_unit_admin",
            {"answer": "accept"},
            election_forms.AnswerForm,
            args=lambda w: {"candidate_id": w.objects["h_pending_candidate"]},
            success="/elections/",
            after_accept=_reset_candidate,
            foreign_args=lambda w: {"candidate_id": w.objects["h_ballot_candidates"][0]},
            closed=("answer",),
        ),
        FormCase(
            "elections: ballot (confirmation step)",
            "elections.vote",
            "representative",
            _ballot_fields(""),
            args=lambda w: {"election_id": w.objects["h_voting"]},
            accepted=lambda r, c: r.status_code == 200 and 'name="step" value="confirm"' in r.text,
            foreign=lambda w: {f"c-{w.objects['h_other_candidate']}": ["approve"]},
        ),
        FormCase(
            "elections: ballot (cast)",
            "elections.vote",
            "representative",
            _ballot_fields("confirm"),
            args=lambda w: {"election_id": w.objects["h_voting"]},
            accepted=lambda r, c: r.status_code == 200 and "receipt" in r.text.lower(),
            after_accept=_forget_ballot,
            # the confirmation-step row fuzzes every choice; casting needs one and the step
            fuzz=("step",),
            full=("step",),
            foreign=lambda w: {f"c-{w.objects['h_other_candidate']}": ["approve"]},
        ),
        FormCase(
            "elections: verify a ballot file",
            "elections.verify",
            "anonymous",
            {},
            election_forms.VerifyForm,
            accepted=lambda r, c: 'alert-success" id="verdict"' in r.text,
            files={"file": _ballot_file},
            file_fields=("file",),
            file_kind="json",
        ),
        # Resources: browsing, resources, images, closing, inquiries, moderation, categories.
        FormCase(
            "resources: browse",
            "resources.index",
            "anonymous",
            {
                "q": "实训 基地",
                "kind": "offer",
                "category": "training-base",
                "district": "siming",
                "terms": "free",
                "org_type": "enterprise",
                "sort": "newest",
            },
            method="GET",
            full=("q",),
        ),
        FormCase(
            "admin: listings filter",
            "resources_admin.index",
            "secretariat",
            {"status": "published", "q": "基地"},
            method="GET",
            full=("q",),
        ),
        FormCase(
            "resources: new listing",
            "resources.create",
            "own_unit_staff",
            _resource_fields,
            resource_forms.ResourceForm,
            success="/my/resources/",
            show=_resource_page,
            shown=("title_zh", "description_zh", "address", "capacity", "price_text"),
            rich=("description_zh", "description_en"),
            full=("title_zh", "description_zh"),
            foreign=lambda w: {"category_id": ["999999", "-1"]},
        ),
        FormCase(
            "resources: edit listing",
            "resources.edit",
            "own_unit_staff",
            _resource_fields,
            resource_forms.ResourceForm,
            args=lambda w: {"resource_id": w.objects["h_own_resource"]},
            success="/my/resources/",
            show=_resource_page,
            shown=("title_zh", "description_zh"),
            rich=("description_zh", "description_en"),
            full=("description_zh", "available_until"),
            # the new-resource row fuzzes every field of the same form
            fuzz=("title_zh", "description_zh", "available_until", "category_id", "visibility"),
            foreign=lambda w: {"category_id": ["999999"]},
            foreign_args=lambda w: {"resource_id": w.objects["h_other_resource"]},
        ),
        FormCase(
            "resources: listing image",
            "resources.upload_image",
            "own_unit_staff",
            {},
            resource_forms.ImageForm,
            args=lambda w: {"resource_id": w.objects["h_own_resource"]},
            success="/my/resources/",
            files={"image": lambda: (valid_png(), "photo.png")},
            file_fields=("image",),
            after_accept=_drop_images,
            foreign_args=lambda w: {"resource_id": w.objects["h_other_resource"]},
        ),
        FormCase(
            "resources: close listing",
            "resources.close",
            "own_unit_staff",
            {"reason": "fulfilled"},
            resource_forms.CloseForm,
            args=lambda w: {"resource_id": w.objects["h_own_resource"]},
            accepted=_flashed_success,
            after_accept=_reopen_resource,
            foreign_args=lambda w: {"resource_id": w.objects["h_other_resource"]},
            closed=("reason",),
        ),
        FormCase(
            "resources: extend listing",
            "resources.extend",
            "own_unit_staff",
            lambda w: {"available_until": w.objects["h_extend_to"]},
            resource_forms.ExtendForm,
            args=lambda w: {"resource_id": w.objects["h_own_resource"]},
            success="/my/resources/",
            foreign_args=lambda w: {"resource_id": w.objects["h_other_resource"]},
        ),
        FormCase(
            "resources: ask about a listing",
            "resources.ask",
            "own_unit_staff",
            {"body": "请问周末是否开放？"},
            resource_forms.AskForm,
            args=lambda w: {"resource_id": w.objects["h_other_resource"]},
            success="/my/inquiries/",
            show=_at_location,
            foreign_args=lambda w: {"resource_id": w.objects["h_own_resource"]},
        ),
        FormCase(
            "resources: reply in a thread",
            "resources.inquiry",
            "own_unit_staff",
            {"body": "好的，谢谢。"},
            resource_forms.ReplyForm,
            args=lambda w: {"inquiry_id": w.objects["h_inquiry"]},
            success="/my/inquiries/",
            show=_at_location,
        ),
        FormCase(
            "admin: hide a listing",
            "resources_admin.hide",
            "secretariat",
            {"reason": "内容与联盟无关。"},
            resource_forms.HideForm,
            args=lambda w: {"resource_id": w.objects["h_own_resource"]},
            accepted=_flashed_success,
            after_accept=_reopen_resource,
        ),
        FormCase(
            "admin: new resource category",
            "resources_admin.new_category",
            "secretariat",
            {
                "code": "h-new-cat",
                "label_zh": "共享会议室",
                "label_en": "Meeting rooms",
                "position": "5",
            },
            resource_forms.CategoryForm,
            success="/admin/resources",
            show="/resources",
            shown=("label_zh",),
            after_accept=_drop_new_categories,
            full=("label_zh", "position"),
        ),
        FormCase(
            "admin: edit resource category",
            "resources_admin.edit_category",
            "secretariat",
            lambda w: {
                "code": w.objects["h_category_code"],
                "label_zh": "实训基地",
                "label_en": "Training bases",
                "position": "1",
            },
            resource_forms.CategoryForm,
            args=lambda w: {"category_id": w.objects["h_category"]},
            success="/admin/resources",
        ),
    ]


FORMS += _features()
