"""The tally as a pure function: legal arithmetic, quorum, threshold, seats, ties."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.elections.tally import ballots_digest, meets, sha256_of, tally


def config(
    candidates=3,
    seats=2,
    electorate=10,
    quorum=(2, 3, ">=", "electorate"),
    threshold=(1, 2, ">", "cast"),
    form="approve_oppose",
):
    q = dict(zip(("num", "den", "cmp", "base"), quorum, strict=True))
    t = dict(zip(("num", "den", "cmp", "base"), threshold, strict=True))
    return {
        "rules": {"ballot_form": form, "quorum": q, "threshold": t},
        "contests": [
            {
                "id": 1,
                "office": "council",
                "seats": seats,
                "candidates": [{"id": 100 + i, "unit_id": i} for i in range(candidates)],
            }
        ],
        "electorate": [{"unit_id": u, "proxy_user_id": None} for u in range(electorate)],
    }


def ballot(n, **choices):
    return {"receipt": f"R{n:05d}", "choices": {str(k): v for k, v in choices.items()}}


def approving(n, *ids):
    return {"receipt": f"R{n:05d}", "choices": {str(i): "approve" for i in ids}}


def test_two_thirds_quorum_with_30_units_even_and_odd():
    # 2/3以上 of 30 is 20: 20 voting meets it, 19 does not.
    assert meets(20, 30, 2, 3, ">=")
    assert not meets(19, 30, 2, 3, ">=")
    assert not meets(20, 30, 2, 3, ">")  # 超过 2/3 excludes exactly 20
    # Odd base: 2/3 of 31 is 20.67 → 21 needed either way.
    assert meets(21, 31, 2, 3, ">=") and not meets(20, 31, 2, 3, ">=")
    cfg = config(electorate=30)
    assert tally(cfg, [ballot(i) for i in range(20)])["quorum_met"]
    assert not tally(cfg, [ballot(i) for i in range(19)])["quorum_met"]


def test_half_inclusive_versus_exclusive_at_exactly_half():
    # 半数以上 includes half; 过半数/超过半数 excludes it.
    assert meets(5, 10, 1, 2, ">=")
    assert not meets(5, 10, 1, 2, ">")
    assert meets(6, 10, 1, 2, ">")
    # Odd base 9: half is 4.5 — 5 passes both, 4 neither.
    assert meets(5, 9, 1, 2, ">") and meets(5, 9, 1, 2, ">=")
    assert not meets(4, 9, 1, 2, ">=")
    ballots = [approving(i, 100) for i in range(5)] + [ballot(i) for i in range(5, 10)]
    inclusive = tally(config(threshold=(1, 2, ">=", "cast")), ballots)
    exclusive = tally(config(threshold=(1, 2, ">", "cast")), ballots)
    assert inclusive["contests"][0]["elected"] == [100]
    assert exclusive["contests"][0]["elected"] == []
    assert exclusive["contests"][0]["unfilled"] == 2


def test_tie_for_last_seat_is_reported_never_broken():
    # Approvals [10, 8, 5, 5, 3] for 3 seats, threshold low enough for the top four.
    cfg = config(candidates=5, seats=3, electorate=12, threshold=(1, 4, ">", "cast"))
    wanted = [10, 8, 5, 5, 3]
    ballots = _ballots_for_counts(wanted, seats=3, total=12)
    result = tally(cfg, ballots)
    contest = result["contests"][0]
    assert [c["approve"] for c in contest["candidates"]] == wanted
    assert contest["elected"] == [100, 101]
    assert contest["tie"] == {"candidates": [102, 103], "seats": 1, "approve": 5}
    assert contest["unfilled"] == 1
    # Reversing the candidate list changes nothing: list order never breaks the tie.
    cfg["contests"][0]["candidates"].reverse()
    assert tally(cfg, ballots)["contests"][0]["tie"]["candidates"] == [102, 103]


def _ballots_for_counts(counts, seats, total):
    """Spread approvals over `total` ballots so that no ballot approves more than `seats`."""
    ballots = [[] for _ in range(total)]
    pos = 0
    for i, count in enumerate(counts):
        for _ in range(count):
            while len(ballots[pos % total]) >= seats:
                pos += 1
            ballots[pos % total].append(100 + i)
            pos += 1
    return [approving(n, *ids) for n, ids in enumerate(ballots)]


def test_no_winners_without_quorum():
    cfg = config(electorate=10)
    result = tally(cfg, [approving(i, 100, 101) for i in range(6)])
    assert not result["quorum_met"]
    assert result["contests"][0]["elected"] == []
    assert result["contests"][0]["unfilled"] == 2


def test_over_approving_ballot_is_invalid_and_counted_as_cast():
    cfg = config(electorate=3, seats=1, threshold=(1, 2, ">", "valid"))
    ballots = [approving(0, 100, 101), approving(1, 100), approving(2, 100)]
    contest = tally(cfg, ballots)["contests"][0]
    assert (contest["valid"], contest["invalid"]) == (2, 1)
    assert contest["elected"] == [100]
    bad = {"receipt": "X", "choices": {"999": "approve"}}
    assert tally(cfg, [bad])["contests"][0]["invalid"] == 1
    weird = {"receipt": "Y", "choices": {"100": "maybe"}}
    assert tally(cfg, [weird])["contests"][0]["invalid"] == 1


def test_seats_go_to_most_approvals_over_threshold():
    cfg = config(candidates=3, seats=2, electorate=5)
    ballots = [approving(i, *ids) for i, ids in enumerate([(100, 101)] * 3 + [(102, 100)] * 2)]
    contest = tally(cfg, ballots)["contests"][0]
    assert contest["elected"] == [100, 101]  # 5 and 3 of 5; 102 has 2 (not > 2.5)
    assert contest["tie"] is None


choice = st.sampled_from(["approve", "oppose", "abstain"])


@st.composite
def elections(draw):
    n_cand = draw(st.integers(1, 5))
    seats = draw(st.integers(1, n_cand))
    electorate = draw(st.integers(1, 25))
    n_ballots = draw(st.integers(0, electorate))
    ballots = []
    for n in range(n_ballots):
        picks = draw(st.lists(choice, min_size=n_cand, max_size=n_cand))
        ballots.append(
            {"receipt": f"R{n:04d}", "choices": {str(100 + i): c for i, c in enumerate(picks)}}
        )
    cmp_ = draw(st.sampled_from([">=", ">"]))
    base = draw(st.sampled_from(["electorate", "cast", "valid"]))
    cfg = config(n_cand, seats, electorate, threshold=(1, 2, cmp_, base))
    return cfg, ballots


@settings(max_examples=150, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_tally_properties(data, rnd: random.Random):
    cfg, ballots = data
    result = tally(cfg, ballots)
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    assert tally(cfg, shuffled) == result  # order independence
    assert result["cast"] <= result["electorate"]
    for contest in result["contests"]:
        assert contest["valid"] + contest["invalid"] == result["cast"]
        total = sum(c["approve"] + c["oppose"] + c["abstain"] for c in contest["candidates"])
        assert total == contest["valid"] * len(contest["candidates"])
        assert len(contest["elected"]) + contest["unfilled"] == contest["seats"]
        assert len(contest["elected"]) <= contest["seats"]
        if not result["quorum_met"]:
            assert contest["elected"] == []
        elected = {c["id"]: c for c in contest["candidates"] if c["elected"]}
        losers = [c for c in contest["candidates"] if not c["elected"] and c["over_threshold"]]
        for winner in elected.values():
            assert winner["over_threshold"]
            assert all(winner["approve"] > loser["approve"] for loser in losers)


def test_chinese_term_numbers():
    from alliance.elections.models import chinese_number

    assert [chinese_number(n) for n in (1, 2, 10, 12, 20, 35, 100)] == [
        "一",
        "二",
        "十",
        "十二",
        "二十",
        "三十五",
        "100",
    ]


# Hashes published with results must stay re-checkable by anyone holding the original definition
# (canonical JSON: sorted keys, no spaces, UTF-8; ballots in receipt order). The expected values
# below were computed by the implementation of commit b31c2cb, before the tally was optimised.
PINNED_CONFIG = {
    "election": 7,
    "term": 3,
    "stage": 2,
    "rules": {
        "ballot_form": "approve_oppose",
        "contested_required": True,
        "proxies_allowed": False,
        "quorum": {"num": 2, "den": 3, "cmp": ">=", "base": "electorate"},
        "threshold": {"num": 1, "den": 2, "cmp": ">", "base": "cast"},
    },
    "window": {"opens_at": "2026-06-01T01:00:00", "closes_at": "2026-06-01T09:00:00"},
    "contests": [
        {
            "id": 12,
            "office": "vice_chair",
            "seats": 2,
            "candidates": [{"id": i, "unit_id": 500 + i} for i in (7, 9, 12, 100, 1001)],
        },
        {"id": 3, "office": "chair", "seats": 1, "candidates": [{"id": 20, "unit_id": 88}]},
    ],
    "electorate": [{"unit_id": u, "proxy_user_id": None} for u in range(1, 41)],
}


def _pinned_ballots():
    """Thirty ordinary ballots in scrambled receipt order, then every odd case a file can hold."""
    ids = ["7", "9", "12", "100", "1001", "20"]
    values = ["approve", "oppose", "abstain"]
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    ballots = []
    for n in range(30):
        code = "".join(alphabet[(n * 7 + k * 13) % 32] for k in range(12))
        choices = {key: values[(n + 2 * i + n // 3) % 3] for i, key in enumerate(ids)}
        ballots.append({"receipt": f"{code[:4]}-{code[4:8]}-{code[8:]}", "choices": choices})
    ballots += [
        {"receipt": "AAAA-AAAA-AAA2", "choices": {"7": "approve", "20": "approve"}},  # partial
        {"receipt": "AAAA-AAAA-AAA3", "choices": {"999": "approve"}},  # unknown candidate
        {"receipt": "AAAA-AAAA-AAA4", "choices": {"9": "maybe"}},  # unknown choice
        {"receipt": "AAAA-AAAA-AAA5", "choices": {"12": "赞成", "100": 'a"b\\c\n'}},  # escapes
        {"receipt": "AAAA-AAAA-AAA6", "choices": {}, "unit": 5},  # extra field, not hashed
        {"receipt": "收据-1", "choices": {"7": "approve"}},  # non-ASCII receipt
        {"receipt": "AAAA-AAAA-AAA7", "choices": {"7": "oppose"}},  # same receipt twice:
        {"receipt": "AAAA-AAAA-AAA7", "choices": {"7": "approve"}},  # input order is kept
        {"receipt": "AAAA-AAAA-AAA8", "choices": {"7": None, "9": 1, "12": [1.5, True]}},
    ]
    return ballots


PINNED_BALLOTS = _pinned_ballots()


def test_published_hashes_are_pinned():
    assert sha256_of(PINNED_CONFIG) == (
        "8baa4d61e0478abac3db0886b1585c0e935021dc10ed75285907a6d7db6ccc8e"
    )
    assert ballots_digest(PINNED_BALLOTS) == (
        "3c8a3425d155d2b578967509590e19a3fad224c0c68df6798af89916979dc186"
    )
    assert ballots_digest(reversed(PINNED_BALLOTS[:30])) == (
        "c3b2fec04b7ac0852d42991975fc54ff1afc87587da0002b50b58d1bf8a93a64"
    )
    result = tally(PINNED_CONFIG, PINNED_BALLOTS)
    assert result["ballots_hash"] == ballots_digest(PINNED_BALLOTS)
    # The whole result, hashed the canonical way: every count, flag and list is pinned.
    assert sha256_of(result) == "027803c15a59d6f18b0ccbca995378966e2fc00a33a3699c0dcf699d17a6ef95"
