"""Election workflows: the state machine, nominations, voting, tally and publication.

Functions take objects and data, never `request`, and never commit: the caller commits once.
Callers use `from alliance.elections import services; services.cast_ballot(...)`; the modules:

    states         ElectionError, the transitions, check_action, require_editable
    lifecycle      terms, elections, rules and seats; open/close nominations and voting; cancel
    nominations    nominate, the nominee's answer, whether the candidates can fill the seats
    configuration  the frozen configuration: build, verify against its hash, cache parsed
    voting         who votes for which unit, proxies, the ballot's choices, cast_ballot, receipts
    participation  turnout, the units still to vote, reminders
    counting       tellers, the tally, publication, council seats and tiers
    ballot_file    the published ballot file and its verification
"""

from alliance.elections.services.ballot_file import build_ballot_file, verify_ballot_file
from alliance.elections.services.configuration import (
    FrozenConfig,
    frozen,
    frozen_config,
    verify_frozen,
)
from alliance.elections.services.counting import (
    ballots_of,
    candidate_unit_ids,
    conflicted,
    officers_named,
    publish,
    run_tally,
)
from alliance.elections.services.lifecycle import (
    cancel,
    close_voting,
    confirm_candidates,
    create_election,
    create_term,
    freeze,
    open_nominations,
    open_voting,
    set_contest_seats,
    update_rules,
)
from alliance.elections.services.nominations import (
    check_candidates,
    nominate,
    respond,
    stage1_elected_unit_ids,
)
from alliance.elections.services.participation import not_voted, remind, turnout
from alliance.elections.services.states import (
    EDITABLE_STATES,
    TRANSITIONS,
    ElectionError,
    check_action,
    require_editable,
)
from alliance.elections.services.voting import (
    AlreadyVoted,
    Receipt,
    ballot_unit_id,
    cast_ballot,
    check_choices,
    electorate_entry,
    has_voted,
    record_ballot,
    set_proxy,
    voter_unit_id,
)

__all__ = [
    "EDITABLE_STATES",
    "TRANSITIONS",
    "AlreadyVoted",
    "ElectionError",
    "FrozenConfig",
    "Receipt",
    "freeze",  # the demo opens its past elections without a live window
    "ballot_unit_id",
    "ballots_of",
    "build_ballot_file",
    "cancel",
    "candidate_unit_ids",
    "cast_ballot",
    "check_action",
    "check_candidates",
    "check_choices",
    "close_voting",
    "confirm_candidates",
    "conflicted",
    "create_election",
    "create_term",
    "electorate_entry",
    "frozen",
    "frozen_config",
    "has_voted",
    "nominate",
    "not_voted",
    "officers_named",
    "open_nominations",
    "open_voting",
    "publish",
    "record_ballot",
    "remind",
    "require_editable",
    "respond",
    "run_tally",
    "set_contest_seats",
    "set_proxy",
    "stage1_elected_unit_ids",
    "turnout",
    "update_rules",
    "verify_ballot_file",
    "verify_frozen",
    "voter_unit_id",
]
