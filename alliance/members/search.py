"""Directory search: derived columns (pinyin sort key, n-gram text) and the search condition.

Chinese has no spaces, and both SQLite FTS5 (`unicode61`) and PostgreSQL's `simple` parser
treat a run of Chinese as one token. So every unit keeps `search_grams`: each run of Chinese
written as its bigrams in order, then its single characters, runs separated by a sentinel.
A Chinese query word of one character matches a unigram token; a longer one is the phrase of
its bigrams, which only matches where the characters stand next to each other — an exact
substring match served by an index (FTS5 on SQLite, a GIN tsvector index on PostgreSQL).
Words in other scripts (English, digits) are indexed whole and match by word prefix ("soft"
finds "Software"). A query word with punctuation, `%` or `_` is also matched with an escaped
LIKE on `search_text` (the case-folded text), so those characters are literal. Every word of
the query must match.

On PostgreSQL the tokens are kept parsed in a stored generated column `search_tsv` (migration
0009), GIN-indexed: a row that the planner checks while walking the name index, or rechecks
after the GIN index (phrases), is a column read, not a fresh `to_tsvector` (≈35 µs a row).

Plans (`walk`): with many matches the cheapest page walks an index in the page's order and keeps
the rows that match, stopping at the page's end; with few matches it is cheaper to fetch the
matches and sort them. PostgreSQL's planner estimates the matches and chooses by itself. SQLite
cannot estimate an FTS5 match, so it always looks the matched rowids up and sorts them all
(16 ms for 10,000 matches at 100,000 units); the caller, which has counted the matches,
passes `walk=True` to compare `id + 0` instead, an expression no index serves, so that SQLite
walks the ordered index and probes the list of matched rowids.
"""

import re
import unicodedata

import sqlalchemy as sa

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
_TOKEN = re.compile(f"([{CJK}]+)|([^\\W_{CJK}]+)")
SEPARATOR = "zzsep"  # between runs, so that no phrase spans two runs
FTS_TABLE = "member_units_fts"
PG_INDEX = "ix_member_units_search_tsv"
PG_COLUMN = "search_tsv"  # PostgreSQL only: to_tsvector('simple', search_grams), stored

TIER_RANKS = {"chair": 0, "vice_chair": 1, "council": 2, "member": 3}


def fold(text: str | None) -> str:
    """Return text as searched: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def sort_key(name_zh: str) -> str:
    """Return the pinyin sort key of a Chinese name ('厦门…' → 'xia men …')."""
    # Imported on first use: pypinyin's dictionaries take ~55 MB, and most requests only read.
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(fold(name_zh), style=Style.NORMAL)).strip()[:400]


def search_text(*texts: str | None) -> str:
    """Return the case-folded text that LIKE searches."""
    return "\n".join(fold(t) for t in texts if t)


def _grams(run: str) -> list[str]:
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*bigrams, SEPARATOR, *run, SEPARATOR]


def search_grams(*texts: str | None) -> str:
    """Return the tokens the index holds: per Chinese run its bigrams then its characters;
    other words (letters, digits) as they are."""
    tokens: list[str] = []
    for text in texts:
        for run, word in _TOKEN.findall(fold(text)):
            tokens += _grams(run) if run else [word]
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


def condition(q: str, dialect: str, walk: bool = False):
    """Return the WHERE clause for a search, or None when the search is empty.

    `walk`: many units match, so let SQLite walk an ordered index (see the module docstring)."""
    from alliance.members.models import MemberUnit

    clauses = []
    terms: list[tuple[str, list[str]]] = []  # ("phrase", bigrams or a character) or ("prefix", [w])
    for word in query_words(q):
        parts = _TOKEN.findall(word)
        for run, other in parts:
            if run:
                terms.append(("phrase", _index_term(run)))
            elif SEPARATOR.startswith(other):
                clauses.append(MemberUnit.search_text.contains(other, autoescape=True))
            else:
                terms.append(("prefix", [other]))
        if any(other for _run, other in parts) and "".join(r or o for r, o in parts) != word:
            # Punctuation, %, _ or mixed scripts: also an exact, escaped substring match.
            clauses.append(MemberUnit.search_text.contains(word, autoescape=True))
        elif not parts:
            clauses.append(MemberUnit.search_text.contains(word, autoescape=True))
    if terms:
        clauses.insert(0, _index_condition(terms, dialect, walk))
    if not clauses:
        return None
    return sa.and_(*clauses)


def _index_condition(terms, dialect: str, walk: bool = False):
    from alliance.members.models import MemberUnit

    # Terms hold only letters, digits and Chinese characters, so quoting them is safe.
    if dialect == "sqlite":
        match = " AND ".join(
            f'"{" ".join(tokens)}"' + ("*" if kind == "prefix" else "") for kind, tokens in terms
        )
        fts = sa.table(FTS_TABLE, sa.column("rowid"), sa.column("search_grams"))
        unit_id = MemberUnit.id + 0 if walk else MemberUnit.id
        return unit_id.in_(sa.select(fts.c.rowid).where(fts.c.search_grams.op("MATCH")(match)))
    if dialect == "postgresql":
        query = " & ".join(
            f"'{tokens[0]}':*"
            if kind == "prefix"
            else "(" + " <-> ".join(f"'{t}'" for t in tokens) + ")"
            for kind, tokens in terms
        )
        return tsvector_column().op("@@")(
            sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), query)
        )
    # Any other engine: the same terms as substrings (correct, but scans).
    return sa.and_(*(_like_term(kind, tokens) for kind, tokens in terms))


def _like_term(kind: str, tokens: list[str]):
    from alliance.members.models import MemberUnit

    text = tokens[0] if kind == "prefix" else tokens[0] + "".join(t[1:] for t in tokens[1:])
    return MemberUnit.search_text.contains(text, autoescape=True)


def tsvector_column():
    """Return the stored, GIN-indexed tsvector of a unit (PostgreSQL; not in the models)."""
    from alliance.members.models import MemberUnit

    return sa.literal_column(f"{MemberUnit.__tablename__}.{PG_COLUMN}")
