"""Derived columns, name uniqueness after NFKC and contact visibility."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from alliance.extensions import db
from alliance.members.indexing import search_grams, sort_key
from alliance.members.models import TIER_CHAIR, MemberUnit
from tests.factories import make_unit, make_user


def test_derived_columns_are_set_on_insert_and_update(in_app):
    unit = make_unit("厦门某某软件有限公司", name_en="Some Software Ltd.", tier=TIER_CHAIR)
    db.session.commit()
    assert unit.sort_key.startswith("xia men mou mou ruan jian")
    assert unit.tier_rank == 0
    assert "软件" in unit.search_grams.split() and "软" in unit.search_grams.split()
    assert "some software ltd." in unit.search_text
    unit.intro_zh = "专注数据处理"
    unit.tier = "member"
    db.session.commit()
    assert "数据" in unit.search_grams.split()
    assert unit.tier_rank == 3


def test_name_is_unique_after_nfkc(in_app):
    make_unit("厦门示例（测试）有限公司")
    db.session.commit()
    with pytest.raises(IntegrityError):
        # Full-width brackets and a space: the same name after NFKC normalisation.
        unit = MemberUnit(slug="dup", credit_code="914403001922038216")
        unit.name_zh = "厦门示例 (测试) 有限公司"
        db.session.add(unit)
        db.session.flush()
    db.session.rollback()


def test_name_normalized_follows_a_direct_name_change(in_app):
    unit = make_unit("厦门甲有限公司")
    db.session.commit()
    unit.name_zh = "厦门乙有限公司"
    db.session.commit()
    assert unit.name_normalized == "厦门乙有限公司"


def test_sort_key_orders_by_pinyin():
    names = ["中软卓越", "厦门示例", "安徽单位", "北京单位"]
    assert sorted(names, key=sort_key) == ["安徽单位", "北京单位", "厦门示例", "中软卓越"]


def test_grams_keep_runs_apart():
    grams = search_grams("软件A件开").split()
    # No phrase may run across the Latin letter: 件开 follows a separator, not 软件.
    assert grams.index("件开") != grams.index("软件") + 1


def test_fts_index_follows_inserts_updates_and_deletes(in_app):
    unit = make_unit("厦门某某测评有限公司")
    db.session.commit()

    def found(term):
        from alliance.members.search import condition

        stmt = select(MemberUnit.id).where(condition(term, db.engine.dialect.name))
        return db.session.scalars(stmt).all()

    assert found("测评") == [unit.id]
    unit.set_name("厦门某某数据有限公司")
    db.session.commit()
    assert found("测评") == []
    assert found("数据") == [unit.id]
    db.session.delete(unit)
    db.session.commit()
    assert found("数据") == []


@pytest.mark.parametrize(
    "viewer,expected",
    [
        ("anonymous", {"address"}),
        ("no_unit_user", {"address"}),
        ("other_member", {"address", "phone"}),
        ("own_staff", {"address", "phone", "email"}),
        ("secretariat", {"address", "phone", "email"}),
    ],
)
def test_contact_for_each_viewer(in_app, viewer, expected):
    from alliance.auth.models import SECRETARIAT
    from alliance.members.models import ROLE_STAFF, Colleague

    unit = make_unit(
        address="厦门市思明区示例路 1 号",
        address_visibility="public",
        phone="0592-5550000",
        phone_visibility="members",
        email="unit@example.org",
        email_visibility="hidden",
    )
    users = {
        "anonymous": None,
        "no_unit_user": make_user(),
        "secretariat": make_user(roles=(SECRETARIAT,)),
    }
    other = make_unit(admin=make_user())
    staff = make_user()
    db.session.add(Colleague(user=staff, unit=unit, role=ROLE_STAFF))
    db.session.commit()
    users["own_staff"] = staff
    users["other_member"] = (
        db.session.scalars(select(Colleague).where(Colleague.unit_id == other.id)).one().user
    )
    assert set(unit.contact_for(users[viewer])) == expected
