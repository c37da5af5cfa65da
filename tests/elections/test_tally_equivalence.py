"""The optimised tally gives the results, hashes and errors of the original one, for any data.

tests/elections/tally_reference.py is the tally as it was before it was optimised. Hypothesis
draws elections as the application builds them (where the fast paths run) and hostile JSON
ballot files (where they must step aside), and both implementations must agree: the same result
dict and the same hash, or both refuse the data with one of the errors that the verify page
reports as "not an election ballot file" (which of them is raised first may differ when a file
is wrong in several ways at once).
"""

import random

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from alliance.elections import tally as optimised
from tests.elections import tally_reference as reference

CHOICES = ["approve", "oppose", "abstain"]


# What services.verify_ballot_file catches and reports as "not an election ballot file".
MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


def outcome(function, *args):
    """Return ("ok", repr of the value), or ("malformed",) when the data is refused.

    repr, not ==: it also tells 1 from 1.0 and True, keys in another order, and NaN from NaN.
    """
    try:
        return "ok", repr(function(*args))
    except MALFORMED:
        return ("malformed",)


def agree(config, ballots):
    """Assert both tallies and both digests give the same outcome."""
    expected = outcome(reference.tally, config, list(ballots))
    assert outcome(optimised.tally, config, list(ballots)) == expected
    expected = outcome(reference.ballots_digest, list(ballots))
    assert outcome(optimised.ballots_digest, list(ballots)) == expected


def _config(contests, form="approve_oppose", electorate=10, quorum=None, threshold=None):
    return {
        "rules": {
            "ballot_form": form,
            "quorum": quorum or {"num": 2, "den": 3, "cmp": ">=", "base": "electorate"},
            "threshold": threshold or {"num": 1, "den": 2, "cmp": ">", "base": "cast"},
        },
        "contests": contests,
        "electorate": [{"unit_id": u, "proxy_user_id": None} for u in range(electorate)],
    }


@st.composite
def app_elections(draw):
    """An election as the application freezes it, and ballots as the application writes them."""
    n_contests = draw(st.integers(1, 4))
    contests, next_id = [], draw(st.integers(1, 200))
    for number in range(n_contests):
        n_cand = draw(st.integers(0, 6))
        cands = [{"id": next_id + i, "unit_id": 1000 + next_id + i} for i in range(n_cand)]
        next_id += n_cand
        seats = draw(st.integers(1, max(1, n_cand)))
        contests.append({"id": draw(st.integers(1, 99)) * 10 + number, "office": "council",
                         "seats": seats, "candidates": cands})  # fmt: skip
    draw(st.randoms(use_true_random=False)).shuffle(contests)
    form = draw(st.sampled_from(["approve_oppose", "up_to_n"]))
    fraction = st.fixed_dictionaries(
        {
            "num": st.integers(0, 3),
            "den": st.integers(1, 4),
            "cmp": st.sampled_from([">=", ">"]),
            "base": st.sampled_from(["electorate", "cast", "valid"]),
        }
    )
    electorate = draw(st.integers(1, 30))
    config = _config(contests, form, electorate, draw(fraction), draw(fraction))
    keys = [str(c["id"]) for contest in contests for c in contest["candidates"]]
    values = st.sampled_from(CHOICES if form == "approve_oppose" else ["approve", "abstain"])
    ballots = []
    for n in range(draw(st.integers(0, electorate))):
        choices = {key: draw(values) for key in keys}
        if keys and draw(st.integers(0, 5)) == 0:  # now and then a partial ballot
            choices = {k: v for k, v in choices.items() if draw(st.booleans())}
        if keys and draw(st.integers(0, 5)) == 0:  # or one value the form does not allow
            choices[draw(st.sampled_from(keys))] = draw(st.sampled_from(["oppose", "maybe"]))
        receipt = draw(st.text("ABCDEFGHJKLMNPQRSTUVWXYZ23456789-", min_size=4, max_size=14))
        ballots.append({"receipt": receipt or f"R{n}", "choices": choices})
    return config, ballots


@settings(max_examples=300, deadline=None)
@given(app_elections(), st.randoms(use_true_random=False))
def test_same_result_as_the_original_for_app_ballots(data, rnd: random.Random):
    config, ballots = data
    agree(config, ballots)
    rnd.shuffle(ballots)
    agree(config, ballots)


# Hostile ballot files: anything json.loads can return, near the shapes the tally reads.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, width=16),
    st.sampled_from([*CHOICES, "maybe", "赞成", 'a"b', "back\\slash", "%s", "\x01", "\ud800"]),
    st.just(float("nan")),
)
values = st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(st.text(), scalars))
ids = st.one_of(st.integers(1, 4), st.sampled_from(["1", "2", 1.0, True, None]))


@st.composite
def hostile_files(draw):
    contests = []
    for number in range(draw(st.integers(0, 3))):
        cands = draw(
            st.lists(st.fixed_dictionaries({"id": ids, "unit_id": st.integers(1, 9)}), max_size=4)
        )
        seats = draw(st.one_of(st.integers(-1, 4), st.sampled_from([1.5, float("nan"), "2", None])))
        contests.append({"id": number, "office": "council", "seats": seats, "candidates": cands})
    form = draw(st.sampled_from(["approve_oppose", "up_to_n", "other"]))
    config = _config(contests, form, electorate=draw(st.integers(0, 12)))
    if draw(st.integers(0, 9)) == 0:
        config["rules"]["threshold"]["cmp"] = "=="  # a comparator the tally refuses
    known = [str(c["id"]) for contest in contests for c in contest["candidates"]]
    keys = st.one_of(st.sampled_from(known or ["1"]), st.sampled_from(["7", "99", "%", 'q"']))
    choices = st.one_of(
        st.dictionaries(keys, values, max_size=6),
        st.dictionaries(st.integers(1, 6), values, max_size=3),  # keys that are not strings
        st.builds(lambda v: dict.fromkeys(known, v), st.sampled_from([*CHOICES, 1, None])),
        st.fixed_dictionaries({k: st.sampled_from(CHOICES) for k in known}),  # every candidate
        st.dictionaries(keys, st.sampled_from(CHOICES), max_size=6),
        st.lists(scalars, max_size=2),
        scalars,
    )
    receipts = st.one_of(
        st.sampled_from(["AAAA-BBBB-CCCC", "AAAA-BBBB-CCCD", "收据", 'r"1', "r\\2", "", "\x1f"]),
        st.text(max_size=5),
        st.integers(0, 3),  # sorts among integers, not among texts
    )
    ballot = st.one_of(
        st.fixed_dictionaries({"receipt": receipts, "choices": choices}),
        st.fixed_dictionaries({"receipt": receipts, "choices": choices, "unit": scalars}),
        st.fixed_dictionaries({"receipt": receipts}),
        st.fixed_dictionaries({"choices": choices}),
        st.lists(scalars, max_size=2),
        scalars,
    )
    weights = draw(st.integers(0, 4))  # mostly well-formed ballots, so that counting is reached
    ballots = draw(
        st.lists(
            ballot
            if weights == 0
            else st.fixed_dictionaries({"receipt": receipts, "choices": choices}),
            max_size=8,
        )
    )
    return config, ballots


def _one_contest(ids, seats=2, form="approve_oppose"):
    cands = [{"id": i, "unit_id": 9} for i in ids]
    return _config([{"id": 1, "office": "council", "seats": seats, "candidates": cands}], form)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_files())
# The edges of the fast paths, each once for certain.
@example((_one_contest([1, 1]), [{"receipt": "A", "choices": {"1": "approve"}}]))
@example((_one_contest([1, 2], 1, "up_to_n"), [{"receipt": "A", "choices": dict.fromkeys("12", "oppose")}]))  # fmt: skip
@example((_one_contest([1, 2], float("nan")), [{"receipt": "A", "choices": {"1": "approve", "2": "approve"}}]))  # fmt: skip
@example((_one_contest([1]), [{"receipt": "A", "choices": {"1": "approve", "%": "oppose"}}]))
@example((_one_contest([1]), [{"receipt": r, "choices": {"1": "abstain"}} for r in ('a"', "\\", "\x7f", "é", "\x00")]))  # fmt: skip
@example((_one_contest([1]), [{"receipt": "A", "choices": {'q"': "approve", "1": "oppose"}}]))
def test_same_outcome_as_the_original_for_hostile_files(data):
    config, ballots = data
    agree(config, ballots)


def test_same_result_for_a_large_election():
    rng = random.Random(5)
    cands = [{"id": i, "unit_id": 100 + i} for i in range(1, 14)]
    officers = [{"id": i, "unit_id": 100 + i} for i in range(20, 24)]
    config = _config(
        [
            {"id": 1, "office": "council", "seats": 11, "candidates": cands},
            {"id": 2, "office": "vice_chair", "seats": 2, "candidates": officers},
        ],
        electorate=3000,
    )
    keys = [str(c["id"]) for c in cands + officers]
    ballots = [
        {
            "receipt": f"{rng.getrandbits(40):010X}",
            "choices": {k: rng.choice(CHOICES) for k in keys},
        }
        for _ in range(2500)
    ]
    ballots[7]["choices"]["99"] = "approve"  # unknown candidate
    del ballots[8]["choices"]["5"]  # partial
    ballots[9]["choices"]["6"] = "maybe"
    agree(config, ballots)
