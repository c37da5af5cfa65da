"""The tally as it was before it was optimised (commit b31c2cb), kept verbatim as an oracle.

tests/elections/test_tally_equivalence.py checks that alliance.elections.tally gives the same
results, hashes and errors as this code. Do not "improve" it: it is the definition.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping

APPROVE, OPPOSE, ABSTAIN = "approve", "oppose", "abstain"
FORM_APPROVE_OPPOSE, FORM_UP_TO_N = "approve_oppose", "up_to_n"


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
    """Return the SHA-256 of the ballots in canonical (receipt) order."""
    return sha256_of(
        sorted(
            ({"receipt": b["receipt"], "choices": b["choices"]} for b in ballots),
            key=lambda b: b["receipt"],
        )
    )


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
    contests = []
    for contest in sorted(config["contests"], key=lambda c: c["id"]):
        counts = defaultdict(lambda: {APPROVE: 0, OPPOSE: 0, ABSTAIN: 0})
        valid = invalid = 0
        for ballot in ballots:
            choices = ballot["choices"]
            picked = None
            if isinstance(choices, Mapping) and set(map(str, choices)) <= known:
                picked = _contest_choices(choices, contest, form)
            if picked is None:
                invalid += 1
                continue
            valid += 1
            for cid, choice in picked.items():
                counts[cid][choice] += 1
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
    return {
        "electorate": electorate,
        "cast": cast,
        "quorum_met": quorum_met,
        "contests": contests,
        "receipts": sorted(b["receipt"] for b in ballots),
        "ballots_hash": ballots_digest(ballots),
    }


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
