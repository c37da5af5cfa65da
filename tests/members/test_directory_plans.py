"""The directory's query plans: sorting the matches or walking the ordered index (many matches),
and a page that OFFSETs over ids before loading its rows. Whichever plan runs, the results are
the same (both engines; PostgreSQL's planner chooses by itself, SQLite takes the caller's word).
"""

import itertools
import re
from datetime import date

import pytest
from sqlalchemy import text

from alliance.extensions import db
from alliance.members import services
from alliance.members.services import DirectoryQuery, directory_ids
from tests.factories import make_unit

SYLLABLES = ["安", "北", "厦", "中", "测", "软"]
WORDS = ["软件", "测试", "物流", "数据"]
TIERS = ["member", "council", "vice_chair", "chair"]
DISTRICTS = ["siming", "huli", "jimei"]


@pytest.fixture
def app(make_app):
    """Every request runs the directory's queries: no page cache (tests/test_page_cache.py)."""
    return make_app(PAGE_CACHE_SECONDS=0)


@pytest.fixture
def many(app):
    """43 active units (three share a pinyin key), 2 inactive ones."""
    with app.app_context():
        for i in range(40):
            word = WORDS[i % len(WORDS)]
            make_unit(
                f"{SYLLABLES[i % 6]}{SYLLABLES[i // 6 % 6]}{word}示例{i}号",
                tier=TIERS[i % 4],
                district=DISTRICTS[i % 3],
                org_type="academic" if i % 5 == 0 else "enterprise",
                joined_on=date(2010 + i % 7, 1, 1),
                intro_zh="专业软件外包" if i % 3 == 0 else "服务外包",
                intro_en="Software testing" if i % 4 == 0 else None,
            )
        for homophone in "夏厦下":  # the same sort key "xia men tong yin …"
            make_unit(f"{homophone}门同音软件示例", tier="council", district="huli")
        make_unit("厦门停用软件示例", status="suspended")
        make_unit("厦门申请软件示例", status="applicant")
        db.session.commit()


QUERIES = [
    DirectoryQuery(),
    DirectoryQuery(q="软件"),  # two characters, many matches
    DirectoryQuery(q="软"),  # one character
    DirectoryQuery(q="测试示例"),  # a longer phrase
    DirectoryQuery(q="示例7号"),  # mixed scripts in one word
    DirectoryQuery(q="示例17号"),  # rare: one match
    DirectoryQuery(q="不存在"),  # no match
    DirectoryQuery(q="软件 外包"),  # two words
    DirectoryQuery(q="soft"),  # word prefix
    DirectoryQuery(q="软件", district="huli"),
    DirectoryQuery(q="外包", org_type="enterprise", tier="council"),
    DirectoryQuery(q="示例", sort="joined"),
    DirectoryQuery(q="示例", view="tiers"),
    DirectoryQuery(q="示例", founding=True),
]


def _label(query: DirectoryQuery) -> str:
    return "&".join(f"{k}={v}" for k, v in query.url_args().items()) or "all"


@pytest.mark.parametrize("query", QUERIES, ids=_label)
def test_walking_and_sorting_give_the_same_units_in_the_same_order(in_app, many, query):
    dialect = db.engine.dialect.name
    sorted_ = db.session.scalars(directory_ids(query, dialect, walk=False)).all()
    walked = db.session.scalars(directory_ids(query, dialect, walk=True)).all()
    assert walked == sorted_
    for offset in (0, 7, 35):  # and page by page
        page = dict(walk=True), dict(walk=False)
        ids = [
            db.session.scalars(directory_ids(query, dialect, **w).limit(7).offset(offset)).all()
            for w in page
        ]
        assert ids[0] == ids[1] == sorted_[offset : offset + 7]


def test_the_order_is_total_and_deterministic(in_app, many):
    """Names that share a pinyin key are ordered by id: no unit shows on two pages."""
    ids = db.session.scalars(directory_ids(DirectoryQuery(), db.engine.dialect.name)).all()
    keys = db.session.execute(text("SELECT id, sort_key FROM member_units")).all()
    sort_key = dict(keys)
    assert len(set(sort_key[i] for i in ids)) < len(ids)  # the fixture has ties
    assert ids == sorted(ids, key=lambda i: (sort_key[i], i))


def names(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'class="fw-semibold unit-name" href="[^"]+">([^<]+)</a>', html)


PATHS = [
    "/members?q=软件",
    "/members?q=软件&district=huli&per_page=3",
    "/members?q=示例&sort=joined&per_page=5",
    "/members?q=示例&view=tiers&per_page=4",
    "/members?q=软&per_page=6",
    "/members?q=不存在",
    "/members?per_page=7",
]


def _all_pages(client, path) -> list[list[str]]:
    pages = []
    for page in itertools.count(1):
        response = client.get(f"{path}&page={page}")
        assert response.status_code == 200
        pages.append(names(response))
        if not pages[-1] or page > 15:
            return pages


@pytest.mark.parametrize("path", PATHS)
def test_pages_are_the_same_whichever_plan_runs(app, client, many, monkeypatch, path):
    chosen = []
    real = services.directory_ids

    def spy(query, dialect, walk=False):
        chosen.append(walk)
        return real(query, dialect, walk)

    monkeypatch.setattr(services, "directory_ids", spy)
    app.config["DIRECTORY_SORT_MATCHES_UP_TO"] = 10_000
    sorted_pages = _all_pages(client, path)
    assert set(chosen) == {False}
    chosen.clear()
    app.config["DIRECTORY_SORT_MATCHES_UP_TO"] = 0
    walked_pages = _all_pages(client, path)
    assert set(chosen) == {any(walked_pages)}  # no match is never "many"
    assert walked_pages == sorted_pages
    flat = [n for page in walked_pages for n in page]
    assert len(flat) == len(set(flat))  # no unit on two pages


def test_deep_page_equals_the_slice_of_the_full_order(client, many):
    everything = names(client.get("/members?per_page=100"))
    assert len(everything) == 43
    for page in (1, 3, 6):
        assert (
            names(client.get(f"/members?per_page=7&page={page}"))
            == everything[(page - 1) * 7 : page * 7]
        )
    assert names(client.get("/members?per_page=7&page=99")) == []
    assert names(client.get("/members?per_page=7&page=-3")) == everything[:7]


@pytest.mark.parametrize("walk,index", [(True, True), (False, False)])
def test_sqlite_walks_the_name_index_only_when_told(in_app, many, walk, index):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses its plan by itself")
    # Statistics as ANALYZE leaves them at 100,000 units, nearly all of them active: every
    # index's row count and the rows per status scaled up (the rest as measured here).
    db.session.execute(text("ANALYZE"))
    stats = db.session.execute(
        text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'member_units'")
    ).all()
    for idx, stat in stats:
        numbers = stat.split(" ")
        numbers[0] = "100000"
        if idx and idx.startswith("ix_member_units_status"):
            numbers[1] = "50000"
        db.session.execute(
            text("UPDATE sqlite_stat1 SET stat = :stat WHERE tbl = 'member_units' AND idx IS :idx"),
            {"stat": " ".join(numbers), "idx": idx},
        )
    db.session.execute(text("ANALYZE sqlite_schema"))  # reload the statistics
    stmt = directory_ids(DirectoryQuery(q="软件"), "sqlite", walk=walk).limit(20)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " | ".join(row[3] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert ("USING COVERING INDEX ix_member_units_status_sort_key" in plan) == index, plan
    assert ("TEMP B-TREE FOR ORDER BY" in plan) != index, plan
