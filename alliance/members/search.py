"""Directory search: the condition a search adds to the directory query.

The derived columns it searches are computed in `alliance.members.indexing`.
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

import sqlalchemy as sa

from alliance.members.indexing import SEPARATOR, TOKEN, query_words
from alliance.members.models import MemberUnit

FTS_TABLE = "member_units_fts"
PG_INDEX = "ix_member_units_search_tsv"
PG_COLUMN = "search_tsv"  # PostgreSQL only: to_tsvector('simple', search_grams), stored


def _index_term(run: str) -> list[str]:
    """Return the tokens of one Chinese run as the index matches them: 1 char, or bigrams."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def condition(q: str, dialect: str, walk: bool = False):
    """Return the WHERE clause for a search, or None when the search is empty.

    `walk`: many units match, so let SQLite walk an ordered index (see the module docstring)."""
    clauses = []
    terms: list[tuple[str, list[str]]] = []  # ("phrase", bigrams or a character) or ("prefix", [w])
    for word in query_words(q):
        parts = TOKEN.findall(word)
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
    text = tokens[0] if kind == "prefix" else tokens[0] + "".join(t[1:] for t in tokens[1:])
    return MemberUnit.search_text.contains(text, autoescape=True)


def tsvector_column():
    """Return the stored, GIN-indexed tsvector of a unit (PostgreSQL; not in the models)."""
    return sa.literal_column(f"{MemberUnit.__tablename__}.{PG_COLUMN}")
