"""The tally: a pure, deterministic function of (frozen configuration, ballots).

No database, no clock, no floats. Every rule is a fraction compared in integers, following
Civil Code art. 1259: "以上" includes the number itself (`>=`), "超过" excludes it (`>`).
The result does not depend on the order of the ballots or of the candidates.

Ballots as the application writes them (every candidate named once, one of the three choices)
take fast paths; any other ballot goes through the plain rules. For any JSON data both give
the same result and hash as the original implementation, or both refuse the data as malformed
(tests/elections/test_tally_equivalence.py checks this against a copy of that implementation).
"""

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from operator import itemgetter

APPROVE, OPPOSE, ABSTAIN = "approve", "oppose", "abstain"
FORM_APPROVE_OPPOSE, FORM_UP_TO_N = "approve_oppose", "up_to_n"
CHOICES = frozenset((APPROVE, OPPOSE, ABSTAIN))
# Printable ASCII but `"` and `\`: json.dumps writes such text as it is, between quotes.
_PLAIN_TEXT = re.compile(r"[ !#-\[\]-~]*").fullmatch


def canonical_json(data) -> bytes:
    """Serialise data the one way that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(data) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def meets(part: int, whole: int, num: int, den: int, cmp: str) -> bool:
    """Tell whether part/whole reaches num/den: `>=` for 以上, `>` for 超过 (integers only)."""
    left, right = part * den, whole * num
    if cmp == ">=":
        return left >= right
    if cmp == ">":
        return left > right
    raise ValueError(f"unknown comparator {cmp!r}")


def ballots_digest(ballots: Iterable[Mapping]) -> str:
    """Return the SHA-256 of the ballots in canonical (receipt) order.

    That is the SHA-256 of canonical_json([{"receipt": …, "choices": …}, …]) with the ballots
    sorted by receipt (a stable sort). A ballot the application wrote is written from a template
    of its candidate keys (the bytes json.dumps would give, several times faster); any other
    ballot goes through canonical_json itself.
    """
    receipts, choices_of = [], []
    for b in ballots:
        receipts.append(b["receipt"])
        choices_of.append(b["choices"])
    return _digest(receipts, choices_of, _receipt_order(receipts))


def _receipt_order(receipts: list) -> list[int]:
    """Return the positions of the ballots in receipt order (a stable sort).

    Sorting positions, not (receipt, choices) pairs: no container per ballot, so the garbage
    collector stays asleep (it would otherwise walk every ballot several times).
    """
    return sorted(range(len(receipts)), key=receipts.__getitem__)


def _digest(receipts: list, choices_of: list, order: list[int]) -> str:
    """Return the ballots hash of ballots given as receipts and choices, in `order`."""
    templates: dict[tuple, tuple | None] = {}
    parts = []
    for i in order:
        receipt, choices = receipts[i], choices_of[i]
        part = None
        if type(receipt) is str and type(choices) is dict and _PLAIN_TEXT(receipt):
            keys = tuple(choices)
            template = templates.get(keys, False)
            if template is False:
                template = templates[keys] = _ballot_template(keys)
            if template is not None:
                text, values_of = template
                values = values_of(choices)
                try:
                    plain = CHOICES.issuperset(values)
                except TypeError:  # a list or an object among the values
                    plain = False
                if plain:
                    part = text % (*values, receipt)
        if part is None:
            part = canonical_json({"receipt": receipt, "choices": choices}).decode()
        parts.append(part)
    return hashlib.sha256(f"[{','.join(parts)}]".encode()).hexdigest()


def _ballot_template(keys: tuple) -> tuple | None:
    """Return (%-template of a ballot's canonical JSON, getter of its values in key order).

    None when a key is not plain text (json.dumps would escape it, or it is not a string).
    """
    if not all(type(k) is str and _PLAIN_TEXT(k) for k in keys):
        return None
    ordered = sorted(keys)
    fields = ",".join(f'"{k}":"%s"' for k in (k.replace("%", "%%") for k in ordered))
    return '{"choices":{' + fields + '},"receipt":"%s"}', _values_getter(ordered)


def _values_getter(keys: list):
    """Return a function giving the values of `keys` of a dict as a tuple (C speed)."""
    if len(keys) > 1:
        return itemgetter(*keys)
    return lambda d: tuple(d[k] for k in keys)


def _contest_choices(ballot_choices: Mapping, contest: Mapping, form: str):
    """Return {candidate_id: choice} for one contest, or None when the ballot is invalid there."""
    seats = contest["seats"]
    allowed = {APPROVE, ABSTAIN} if form == FORM_UP_TO_N else {APPROVE, OPPOSE, ABSTAIN}
    out = {}
    for cand in contest["candidates"]:
        choice = ballot_choices.get(str(cand["id"]), ABSTAIN)
        if choice not in allowed:
            return None
        out[cand["id"]] = choice
    if sum(1 for c in out.values() if c == APPROVE) > seats:
        return None
    return out


def tally(config: Mapping, ballots: Iterable[Mapping]) -> dict:
    """Count the ballots under the frozen rules and return the full result."""
    ballots = list(ballots)
    rules = config["rules"]
    form = rules["ballot_form"]
    known = {str(c["id"]) for contest in config["contests"] for c in contest["candidates"]}
    electorate = len(config["electorate"])
    cast = len(ballots)
    q = rules["quorum"]
    quorum_whole = {"electorate": electorate, "cast": cast, "valid": cast}[q["base"]]
    quorum_met = meets(cast, quorum_whole, q["num"], q["den"], q["cmp"])
    t = rules["threshold"]
    # Whether a ballot names only known candidates is decided once per ballot, not per contest.
    choices_of = [ballot["choices"] for ballot in ballots]
    readable = [_readable(choices, known) for choices in choices_of]
    contests = []
    for contest in sorted(config["contests"], key=lambda c: c["id"]):
        counts, valid = _count_contest(contest, choices_of, readable, form)
        invalid = cast - valid
        base = {"electorate": electorate, "cast": cast, "valid": valid}[t["base"]]
        rows = []
        for cand in sorted(contest["candidates"], key=lambda c: c["id"]):
            c = counts[cand["id"]]
            rows.append(
                {
                    "id": cand["id"],
                    "unit_id": cand["unit_id"],
                    "approve": c[APPROVE],
                    "oppose": c[OPPOSE],
                    "abstain": c[ABSTAIN],
                    "over_threshold": quorum_met
                    and meets(c[APPROVE], base, t["num"], t["den"], t["cmp"]),
                }
            )
        elected, tie = _fill_seats(rows, contest["seats"]) if quorum_met else ([], None)
        for row in rows:
            row["elected"] = row["id"] in elected
        contests.append(
            {
                "id": contest["id"],
                "office": contest["office"],
                "seats": contest["seats"],
                "valid": valid,
                "invalid": invalid,
                "threshold_base": base,
                "candidates": rows,
                "elected": sorted(elected),
                "tie": tie,
                "unfilled": contest["seats"] - len(elected),
            }
        )
    receipts = [b["receipt"] for b in ballots]
    order = _receipt_order(receipts)  # sorted once, for the list and for the hash
    return {
        "electorate": electorate,
        "cast": cast,
        "quorum_met": quorum_met,
        "contests": contests,
        "receipts": [receipts[i] for i in order],
        "ballots_hash": _digest(receipts, choices_of, order),
    }


UNREADABLE, READABLE, COMPLETE = 0, 1, 2


def _readable(choices, known: set[str]) -> int:
    """Tell whether choices name only known candidates (READABLE), and every one (COMPLETE)."""
    if type(choices) is dict and choices.keys() == known:
        return COMPLETE
    if isinstance(choices, Mapping) and set(map(str, choices)) <= known:
        return READABLE
    return UNREADABLE


def _count_contest(
    contest: Mapping, choices_of: list, readable: list[int], form: str
) -> tuple[defaultdict, int]:
    """Return ({candidate_id: {choice: count}}, valid ballots) for one contest."""
    allowed = frozenset((APPROVE, ABSTAIN) if form == FORM_UP_TO_N else CHOICES)
    seats = contest["seats"]
    ids = [cand["id"] for cand in contest["candidates"]]
    # Integer ids named once each: a ballot naming every candidate is read in one step.
    values_of = None
    if all(type(i) is int for i in ids) and len(set(ids)) == len(ids):
        values_of = _values_getter([str(i) for i in ids])
    counts = defaultdict(lambda: {APPROVE: 0, OPPOSE: 0, ABSTAIN: 0})
    picked_values = []  # the valid ballots read in one step, one after the other, flat
    valid = 0
    for choices, state in zip(choices_of, readable, strict=True):
        if state == UNREADABLE:
            continue
        if state == COMPLETE and values_of is not None:
            # issuperset stops at the first value not allowed, as the plain rules do.
            values = values_of(choices)
            if allowed.issuperset(values) and not values.count(APPROVE) > seats:
                picked_values.extend(values)
                valid += 1
            continue
        picked = _contest_choices(choices, contest, form)
        if picked is None:
            continue
        valid += 1
        for cid, choice in picked.items():
            counts[cid][choice] += 1
    for position, cid in enumerate(ids):
        for choice, n in Counter(picked_values[position :: len(ids)]).items():
            counts[cid][choice] += n
    return counts, valid


def _fill_seats(rows: list[dict], seats: int) -> tuple[list[int], dict | None]:
    """Give seats to the most-approved candidates over the threshold, group by group.

    A group of candidates with equal approvals that does not fit in the seats left is a tie:
    nobody in it is elected and it is reported for a new vote among the tied.
    """
    groups = defaultdict(list)
    for row in rows:
        if row["over_threshold"]:
            groups[row["approve"]].append(row["id"])
    elected: list[int] = []
    for approvals in sorted(groups, reverse=True):
        left = seats - len(elected)
        if left == 0:
            break
        group = sorted(groups[approvals])
        if len(group) <= left:
            elected.extend(group)
        else:
            return elected, {"candidates": group, "seats": left, "approve": approvals}
    return elected, None
