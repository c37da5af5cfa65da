"""Service and model rules: credit-code messages, dates, public notice, demo data."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select

from alliance import clock, demo
from alliance.extensions import db
from alliance.members import credit_code
from alliance.members.forms import credit_code_message
from alliance.members.models import MemberUnit
from alliance.membership import services
from alliance.membership.models import (
    APP_NOTICE,
    APP_REVIEWED,
    APP_SUBMITTED,
    CR_OPEN,
    Application,
    ChangeRequest,
    UnitHistory,
)
from tests.factories import make_unit


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("914403001922038216", None),
        ("9144030071526726XG", None),
        ("914403001922038217", "(the check character) does not match the other 17"),
        ("9144030071526726XH", "(the check character) does not match the other 17"),
        ("91440300192203821", "has exactly 18 characters (this one has 17)"),
        ("91440300I922038216", "contains “I”"),
        ("9144030071526726xg", None),  # lower case is normalised
    ],
)
def test_credit_code_messages(app, code, expected):
    with app.test_request_context(), force_locale("en"):
        message = credit_code_message(credit_code.normalize(code))
        if expected is None:
            assert message is None
        else:
            assert expected in str(message)


def test_add_years_handles_leap_days():
    assert services.add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert services.add_years(date(2025, 8, 10), 2) == date(2027, 8, 10)


def test_make_slug_is_unique(app):
    with app.app_context():
        make_unit(slug="alpha-co")
        db.session.commit()
        assert services.make_slug("Alpha Co") != "alpha-co"
        assert services.make_slug("Alpha Co").startswith("alpha-co-")
        assert services.make_slug("厦门") == "unit"
        assert services.make_slug(None) == "unit"


def test_public_notice_uses_constant_queries(app, client):
    def count():
        with app.app_context():
            engine = db.engine
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = client.get("/")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return page, len(statements)

    with app.app_context():
        make_unit("厦门示例新会员一公司", joined_on=clock.today_local())
        db.session.commit()
    page, few = count()
    assert "厦门示例新会员一公司" in page.text
    with app.app_context():
        for i in range(8):
            make_unit(f"厦门示例新会员{i}号公司", joined_on=clock.today_local())
        db.session.commit()
    page, many = count()
    assert many == few
    assert "厦门示例新会员7号公司" in page.text


def test_founding_units_are_not_in_the_public_notice(app):
    with app.test_request_context():
        make_unit("厦门示例创始公司", is_founding=True, joined_on=clock.today_local())
        make_unit("厦门示例旧会员公司", joined_on=date(2015, 1, 1))
        db.session.commit()
        assert services.public_notice()["admitted"] == []


def test_demo_creates_membership_examples(app):
    with app.app_context():
        demo.load()
        db.session.commit()
        statuses = sorted(db.session.scalars(select(Application.status)))
        assert statuses == sorted([APP_SUBMITTED, APP_REVIEWED, APP_NOTICE])
        assert all("示例" in a.unit_name_zh for a in db.session.scalars(select(Application)))
        requests = db.session.scalars(select(ChangeRequest)).all()
        assert [r.status for r in requests] == [CR_OPEN]
        assert "示例" in requests[0].unit.name_zh
        assert db.session.scalar(select(func.count()).select_from(UnitHistory)) >= 2
        demo.load()  # idempotent
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Application)) == 3
        assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == 1
        assert db.session.scalar(select(func.count()).select_from(MemberUnit)) == 26
