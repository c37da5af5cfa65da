"""Directory search: derived columns (pinyin sort key, n-gram text) and the search condition.

Chinese has no spaces, and both SQLite FTS5 (`unicode61`) and PostgreSQL's `simple` parser
treat a run of Chinese as one token. So every unit keeps `search_grams`: each run of Chinese
written as its bigrams in order, then its single characters, runs separated by a sentinel.
A Chinese query word of one character matches a unigram token; a longer one is the phrase of
its bigrams, which only matches where the characters stand next to each other — an exact
substring match served by an index (FTS5 on SQLite, a GIN tsvector index on PostgreSQL).
Other words (English, digits, `%`, `_`) are matched with an escaped LIKE on `search_text`
(the case-folded text), so they are exact substrings too; every word must match.
"""

import re
import unicodedata

import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
_TOKEN = re.compile(f"([{CJK}]+)|([^\\W_{CJK}]+)")
SEPARATOR = "zzsep"  # between runs, so that no phrase spans two runs
FTS_TABLE = "member_units_fts"
PG_INDEX = "ix_member_units_search_tsv"

TIER_RANKS = {"chair": 0, "vice_chair": 1, "council": 2, "member": 3}


def fold(text: str | None) -> str:
    """Return text as searched: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def sort_key(name_zh: str) -> str:
    """Return the pinyin sort key of a Chinese name ('厦门…' → 'xia men …')."""
    return " ".join(lazy_pinyin(fold(name_zh), style=Style.NORMAL)).strip()[:400]


def search_text(*texts: str | None) -> str:
    """Return the case-folded text that LIKE searches."""
    return "\n".join(fold(t) for t in texts if t)


def _grams(run: str) -> list[str]:
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*bigrams, SEPARATOR, *run, SEPARATOR]


def search_grams(*texts: str | None) -> str:
    """Return the n-gram tokens (bigrams then unigrams per Chinese run) that the index holds."""
    tokens: list[str] = []
    for text in texts:
        for run in _CJK_RUN.findall(fold(text)):
            tokens += _grams(run)
    return " ".join(tokens)


def derived_values(values: dict) -> dict:
    """Return the derived columns of a unit from its name, short name and introductions."""
    texts = (
        values.get("name_zh"),
        values.get("name_en"),
        values.get("short_name"),
        values.get("intro_zh"),
        values.get("intro_en"),
    )
    return {
        "sort_key": sort_key(values.get("name_zh") or ""),
        "tier_rank": TIER_RANKS.get(values.get("tier") or "member", 3),
        "search_text": search_text(*texts),
        "search_grams": search_grams(*texts),
    }


def query_words(q: str) -> list[str]:
    """Split a search into words (at most 8, each at most 50 characters)."""
    return [w[:50] for w in fold(q).split()][:8]


def _index_term(run: str) -> list[str]:
    """Return the tokens of one Chinese run as the index matches them: 1 char, or bigrams."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def condition(q: str, dialect: str):
    """Return the WHERE clause for a search, or None when the search is empty."""
    from alliance.members.models import MemberUnit

    clauses = []
    phrases: list[list[str]] = []
    for word in query_words(q):
        runs = _CJK_RUN.findall(word)
        phrases += [_index_term(run) for run in runs]
        if "".join(runs) != word:
            # Not purely Chinese: an exact, escaped substring match on the folded text.
            clauses.append(MemberUnit.search_text.contains(word, autoescape=True))
    if phrases:
        clauses.insert(0, _index_condition(phrases, dialect))
    if not clauses:
        return None
    return sa.and_(*clauses)


def _index_condition(phrases: list[list[str]], dialect: str):
    from alliance.members.models import MemberUnit

    if dialect == "sqlite":
        match = " AND ".join('"' + " ".join(p) + '"' for p in phrases)
        fts = sa.table(FTS_TABLE, sa.column("rowid"), sa.column("search_grams"))
        return MemberUnit.id.in_(
            sa.select(fts.c.rowid).where(fts.c.search_grams.op("MATCH")(match))
        )
    if dialect == "postgresql":
        query = " & ".join("(" + " <-> ".join(f"'{t}'" for t in p) + ")" for p in phrases)
        return tsvector_expression().op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), query)
        )
    # Any other engine: the same words as substrings (correct, but scans).
    return sa.and_(*(_like_phrase(p) for p in phrases))


def _like_phrase(tokens: list[str]):
    from alliance.members.models import MemberUnit

    text = tokens[0] + "".join(t[1:] for t in tokens[1:])
    return MemberUnit.search_text.contains(text, autoescape=True)


def tsvector_expression():
    """Return the indexed expression (it must match the migration's index exactly)."""
    from alliance.members.models import MemberUnit

    return sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), MemberUnit.search_grams)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Hide the search index objects the models do not describe from autogenerate/db check."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)


# Schema objects the migration creates by hand, per engine.
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_grams, content='member_units', "
    "content_rowid='id', tokenize='unicode61')",
    f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON member_units BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON member_units BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); END",
    f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF search_grams ON member_units BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_grams) "
    "VALUES ('delete', old.id, old.search_grams); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
)
SQLITE_DROP = (
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_au",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ad",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
POSTGRES_DDL = (
    f"CREATE INDEX {PG_INDEX} ON member_units "
    "USING gin (to_tsvector('simple'::regconfig, search_grams))",
)
POSTGRES_DROP = (f"DROP INDEX IF EXISTS {PG_INDEX}",)
