"""The derived columns of a member unit: pinyin sort key, tier rank, searched text and n-grams.

Pure functions of the unit's own text, kept apart from the search condition
(`alliance.members.search`) so that the model computes them without importing the search,
which itself needs the model. How the n-grams make one- and two-character Chinese searchable is
described in `alliance.members.search`.
"""

import re
import unicodedata

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(f"([{CJK}]+)|([^\\W_{CJK}]+)")
SEPARATOR = "zzsep"  # between runs, so that no phrase spans two runs

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
        for run, word in TOKEN.findall(fold(text)):
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
