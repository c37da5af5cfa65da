"""Rules of the resource life, visibility, moderation and inquiries, below the views."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth import services as auth_services
from alliance.clock import today_local
from alliance.extensions import db
from alliance.mail import OutboxMessage
from alliance.members.models import STATUS_SUSPENDED, MemberUnit
from alliance.resources import services
from alliance.resources.models import (
    CLOSED,
    DRAFT,
    EXPIRED,
    INQUIRY_ANSWERED,
    INQUIRY_CLOSED,
    INQUIRY_OPEN,
    PUBLISHED,
    Inquiry,
    Resource,
    ResourceCategory,
)
from alliance.resources.services import ResourceError
from tests.resources.helpers import category, make_resource, make_world


def user(email):
    return auth_services.find_user_by_email(email)


def titles(query):
    return {resource.title_zh for resource in db.session.scalars(query).unique()}


def test_default_categories_are_idempotent(in_app):
    services.ensure_default_categories()
    services.ensure_default_categories()
    codes = [c.code for c in services.categories()]
    assert codes[:2] == ["training-base", "technical-platform"]
    assert len(codes) == 8
    assert db.session.scalar(select(func.count()).select_from(ResourceCategory)) == 8


def test_today_is_the_beijing_date():
    assert today_local(datetime(2026, 1, 1, 16, 30)) == date(2026, 1, 2)
    assert today_local(datetime(2026, 1, 1, 15, 59)) == date(2026, 1, 1)


def test_visibility_by_viewer(in_app):
    world = make_world()
    today = today_local()
    make_resource(world.owner_unit_id, title_zh="公开示例")
    make_resource(world.owner_unit_id, title_zh="会员示例", visibility="members")
    make_resource(world.owner_unit_id, title_zh="草稿示例", status=DRAFT, published_at=None)
    make_resource(world.owner_unit_id, title_zh="隐藏示例", is_hidden=True, hidden_reason="x")
    make_resource(
        world.owner_unit_id, title_zh="过期示例", available_until=today - timedelta(days=1)
    )
    make_resource(world.owner_unit_id, title_zh="关闭示例", status=CLOSED, close_reason="withdrawn")
    db.session.commit()
    assert titles(services.visible_resources(None, today)) == {"公开示例"}
    assert titles(services.visible_resources(user("outsider@example.org"), today)) == {"公开示例"}
    member_view = {"公开示例", "会员示例"}
    assert titles(services.visible_resources(user("other@example.org"), today)) == member_view
    assert titles(services.visible_resources(user("sec@example.org"), today)) == member_view


def test_resources_of_a_suspended_unit_leave_browse(in_app):
    world = make_world()
    make_resource(world.owner_unit_id)
    db.session.get(MemberUnit, world.owner_unit_id).status = STATUS_SUSPENDED
    db.session.commit()
    assert titles(services.visible_resources(None, today_local())) == set()


def test_expiry_is_by_date_and_recorded_by_expire_resources(in_app):
    world = make_world()
    today = today_local()
    last_day = make_resource(world.owner_unit_id, title_zh="今天到期", available_until=today)
    past = make_resource(
        world.owner_unit_id, title_zh="昨天到期", available_until=today - timedelta(days=1)
    )
    db.session.commit()
    assert last_day.is_live(today) and not past.is_live(today)
    assert past.state_label(today) == "Expired" or past.state_label(today) == "已过期"
    expired = services.expire_resources(today)
    db.session.commit()
    assert expired == [past]
    assert past.status == EXPIRED and last_day.status == PUBLISHED
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "resources.listing.expired")
    ).one()
    assert event.target_id == str(past.id)
    assert services.expire_resources(today) == []  # already recorded


def _data(**overrides):
    values = dict.fromkeys(services.EDITABLE_FIELDS)
    values.update(
        kind="offer",
        category_id=category().id,
        title_zh="实训基地（示例）",
        description_zh="说明",
        terms="free",
        visibility="public",
    )
    values.update(overrides)
    return values


def test_create_publish_close_extend_are_audited(in_app):
    world = make_world()
    unit = db.session.get(MemberUnit, world.owner_unit_id)
    owner = user("owner@example.org")
    today = today_local()
    resource = services.create_resource(unit, owner, _data(), publish=False, today=today)
    assert resource.status == DRAFT and resource.published_at is None
    services.publish_resource(resource, today)
    assert resource.status == PUBLISHED and resource.published_at is not None
    with pytest.raises(ResourceError):
        services.publish_resource(resource, today)
    services.update_resource(resource, _data(title_zh="新标题（示例）"))
    services.close_resource(resource, "fulfilled")
    assert resource.status == CLOSED and resource.close_reason == "fulfilled"
    with pytest.raises(ResourceError):
        services.close_resource(resource, "fulfilled")
    with pytest.raises(ResourceError):
        services.extend_resource(resource, today + timedelta(days=9), today)
    services.publish_resource(resource, today)
    services.extend_resource(resource, today + timedelta(days=9), today)
    db.session.commit()
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "resource_listings")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "resources.listing.created",
        "resources.listing.published",
        "resources.listing.updated",
        "resources.listing.closed",
        "resources.listing.published",
        "resources.listing.extended",
    ]


def test_dates_are_checked(in_app):
    world = make_world()
    unit = db.session.get(MemberUnit, world.owner_unit_id)
    today = today_local()
    with pytest.raises(ResourceError):
        services.create_resource(
            unit,
            None,
            _data(available_from=today, available_until=today - timedelta(days=1)),
            publish=False,
            today=today,
        )
    resource = services.create_resource(
        unit, None, _data(available_until=today - timedelta(days=1)), publish=False, today=today
    )
    with pytest.raises(ResourceError):
        services.publish_resource(resource, today)  # its availability has already ended
    with pytest.raises(ResourceError):
        services.extend_resource(resource, today - timedelta(days=2), today)


def test_extend_republishes_an_expired_resource(in_app):
    world = make_world()
    today = today_local()
    resource = make_resource(
        world.owner_unit_id, status=EXPIRED, available_until=today - timedelta(days=3)
    )
    services.extend_resource(resource, today + timedelta(days=30), today)
    assert resource.status == PUBLISHED and resource.is_live(today)


def test_hide_notifies_every_person_of_the_unit(in_app):
    world = make_world()
    resource = make_resource(world.owner_unit_id, is_featured=True)
    with pytest.raises(ResourceError):
        services.hide_resource(resource, "  ")
    services.hide_resource(resource, "联系方式不实")
    db.session.commit()
    assert resource.is_hidden and not resource.is_featured
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.recipient)).all()
    assert [m.recipient for m in mails] == ["owner@example.org", "staff@example.org"]
    assert all("联系方式不实" in m.body for m in mails)
    assert not resource.is_live(today_local())
    services.unhide_resource(resource)
    assert resource.is_live(today_local())


def test_ask_opens_one_thread_per_unit_and_mails_both_sides(in_app):
    world = make_world()
    resource = make_resource(world.owner_unit_id)
    db.session.commit()
    today = today_local()
    asker = user("other@example.org")
    inquiry = services.ask(resource, asker, "请问下月可以预约吗？", today)
    db.session.commit()
    assert inquiry.status == INQUIRY_OPEN and inquiry.asker_unit_id == world.other_unit_id
    recipients = sorted(m.recipient for m in db.session.scalars(select(OutboxMessage)))
    assert recipients == ["other@example.org", "owner@example.org", "staff@example.org"]
    english = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "other@example.org")
    ).one()
    assert english.locale == "en" and "asked about" in english.subject

    again = services.ask(resource, asker, "补充一个问题", today)
    assert again.id == inquiry.id and len(inquiry.messages) == 2
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 1

    services.reply(inquiry, user("owner@example.org"), "可以，下月第二周。")
    assert inquiry.status == INQUIRY_ANSWERED
    reply_mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "resources/mail/inquiry_reply")
    ).all()
    assert [m.recipient for m in reply_mail] == ["other@example.org"]
    services.reply(inquiry, asker, "好的，谢谢")
    assert inquiry.status == INQUIRY_OPEN
    services.close_inquiry(inquiry, asker)
    assert inquiry.status == INQUIRY_CLOSED
    with pytest.raises(ResourceError):
        services.reply(inquiry, asker, "还在吗")


def test_who_may_ask(in_app):
    world = make_world()
    resource = make_resource(world.owner_unit_id)
    draft = make_resource(world.owner_unit_id, status=DRAFT)
    db.session.commit()
    today = today_local()
    assert services.may_ask(resource, user("other@example.org"), today)
    assert not services.may_ask(resource, user("owner@example.org"), today)  # own unit
    assert not services.may_ask(resource, user("outsider@example.org"), today)  # no unit
    assert not services.may_ask(resource, user("sec@example.org"), today)
    assert not services.may_ask(draft, user("other@example.org"), today)
    with pytest.raises(ResourceError):
        services.ask(resource, user("owner@example.org"), "自问自答", today)
    with pytest.raises(ResourceError):
        services.ask(resource, user("other@example.org"), "   ", today)


def test_reply_only_by_the_two_units(in_app):
    world = make_world()
    resource = make_resource(world.owner_unit_id)
    db.session.commit()
    inquiry = services.ask(resource, user("other@example.org"), "问题", today_local())
    for email in ("outsider@example.org", "sec@example.org"):
        with pytest.raises(ResourceError):
            services.reply(inquiry, user(email), "插话")
    assert inquiry.may_read(user("sec@example.org"))
    assert not inquiry.may_read(user("outsider@example.org"))


def test_unit_resources_returns_live_visible_resources(in_app):
    world = make_world()
    make_resource(world.owner_unit_id, title_zh="公开")
    make_resource(world.owner_unit_id, title_zh="会员", visibility="members")
    make_resource(world.owner_unit_id, title_zh="草稿", status=DRAFT)
    make_resource(world.other_unit_id, title_zh="别家")
    db.session.commit()
    unit = db.session.get(MemberUnit, world.owner_unit_id)
    today = today_local()
    assert [x.title_zh for x in services.unit_resources(unit, None, today)] == ["公开"]
    seen = {x.title_zh for x in services.unit_resources(unit, user("other@example.org"), today)}
    assert seen == {"公开", "会员"}


def test_images_at_most_five(in_app, png_bytes):
    import io

    world = make_world()
    resource = make_resource(world.owner_unit_id)
    for _ in range(5):
        services.add_image(resource, io.BytesIO(png_bytes))
    with pytest.raises(ResourceError):
        services.add_image(resource, io.BytesIO(png_bytes))
    assert [i.position for i in resource.images] == [0, 1, 2, 3, 4]
    services.remove_image(resource, resource.images[0])
    db.session.commit()
    assert len(db.session.get(Resource, resource.id).images) == 4


def test_image_refusals_leave_nothing(in_app, png_bytes):
    import io

    from alliance.uploads import ImageRejected

    world = make_world()
    resource = make_resource(world.owner_unit_id)
    for bad in (b"GIF89a not really", b"\x89PNG" + b"\x00" * (2 * 1024 * 1024 + 1), b""):
        with pytest.raises(ImageRejected):
            services.add_image(resource, io.BytesIO(bad))
    assert resource.images == []
