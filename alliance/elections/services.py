"""Election workflows: the state machine, nominations, voting, tally and publication.

Functions take objects and data, never `request`, and never commit: the caller commits once.
"""

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from alliance import audit, mail
from alliance.database import utcnow
from alliance.elections import tally as tally_mod
from alliance.elections.models import (
    ACCEPTED,
    APPROVE,
    CANCELLED,
    CHAIR,
    CHOICES,
    CONFIRMED,
    COUNCIL,
    DECLINED,
    DRAFT,
    FORM_UP_TO_N,
    NOMINATING,
    PUBLISHED,
    STANDING,
    TALLIED,
    VICE_CHAIR,
    VOTING_CLOSED,
    VOTING_OPEN,
    Ballot,
    Candidate,
    Contest,
    CouncilSeat,
    CouncilTerm,
    Election,
    ElectorateEntry,
    Participation,
)
from alliance.extensions import db
from alliance.members.models import (
    STATUS_ACTIVE,
    TIER_CHAIR,
    TIER_COUNCIL,
    TIER_MEMBER,
    TIER_VICE_CHAIR,
    MemberUnit,
)

log = logging.getLogger(__name__)


class ElectionError(Exception):
    """A refused action, with a message fit to show the person who asked."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class AlreadyVoted(ElectionError):
    def __init__(self):
        super().__init__(_("Your unit has already voted in this election."), 409)


# State machine -------------------------------------------------------------
# action -> (states it is allowed from, state it leads to)
TRANSITIONS = {
    "open_nominations": ({DRAFT}, NOMINATING),
    "confirm_candidates": ({NOMINATING}, CONFIRMED),
    "open_voting": ({CONFIRMED}, VOTING_OPEN),
    "close_voting": ({VOTING_OPEN}, VOTING_CLOSED),
    "tally": ({VOTING_CLOSED}, TALLIED),
    "publish": ({TALLIED}, PUBLISHED),
    "cancel": ({DRAFT, NOMINATING, CONFIRMED, VOTING_OPEN, VOTING_CLOSED, TALLIED}, CANCELLED),
}
EDITABLE_STATES = {DRAFT, NOMINATING, CONFIRMED}


def check_action(election: Election, action: str) -> str:
    """Return the state `action` leads to, or refuse it in the election's current state."""
    if action not in TRANSITIONS:
        raise ElectionError(_("Unknown action."))
    allowed, target = TRANSITIONS[action]
    if election.state not in allowed:
        raise ElectionError(
            _("This cannot be done while the election is %(state)s.", state=election.state_label),
            409,
        )
    return target


def _move(election: Election, action: str, **extra) -> None:
    target = check_action(election, action)
    old = election.state
    election.state = target
    audit.record(f"election.{action}", election, old={"state": old}, new={"state": target, **extra})


def db_now() -> datetime:
    """Return the database's current time as naive UTC (the clock that decides windows)."""
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(text("SELECT timezone('UTC', statement_timestamp())"))
    value = db.session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return datetime.fromisoformat(value)


def require_editable(election: Election) -> None:
    if election.state not in EDITABLE_STATES:
        raise ElectionError(_("The configuration is frozen once voting opens."), 409)


# Terms and elections --------------------------------------------------------
def create_term(number: int, starts_on, ends_on, offices: dict[str, int]) -> CouncilTerm:
    """Create a council term with its offices and seat counts."""
    from alliance.elections.models import OFFICE_ORDER, TermOffice

    if db.session.scalar(select(CouncilTerm).where(CouncilTerm.number == number)):
        raise ElectionError(_("Term %(n)s already exists.", n=number))
    if ends_on <= starts_on:
        raise ElectionError(_("A term must end after it starts."))
    term = CouncilTerm(number=number, starts_on=starts_on, ends_on=ends_on)
    term.offices = [
        TermOffice(office=o, seats=offices[o], position=OFFICE_ORDER.index(o))
        for o in OFFICE_ORDER
        if offices.get(o)
    ]
    db.session.add(term)
    audit.record("term.create", term, new={"number": number, "offices": offices})
    return term


STAGE_OFFICES = {1: (COUNCIL,), 2: (CHAIR, VICE_CHAIR, "secretary_general", STANDING)}


def create_election(
    term: CouncilTerm, stage: int, title_zh: str, title_en: str | None = None, **rules
) -> Election:
    """Create an election of a term in draft, with one contest per office of its stage."""
    contests = [
        Contest(office=o.office, seats=o.seats, position=o.position)
        for o in term.offices
        if o.office in STAGE_OFFICES[stage]
    ]
    election = Election(
        term=term, stage=stage, title_zh=title_zh, title_en=title_en, contests=contests, **rules
    )
    db.session.add(election)
    audit.record("election.create", election, new={"stage": stage, "title": title_zh, **rules})
    return election


def update_rules(election: Election, **values) -> None:
    """Change the rules profile and windows (only before voting opens)."""
    require_editable(election)
    old = {k: getattr(election, k) for k in values}
    for key, value in values.items():
        setattr(election, key, value)
    audit.record("election.rules", election, old=old, new=values)


def set_contest_seats(contest: Contest, seats: int) -> None:
    require_editable(contest.election)
    if seats < 1:
        raise ElectionError(_("A contest needs at least one seat."))
    audit.record(
        "election.seats",
        contest.election,
        old={contest.office: contest.seats},
        new={contest.office: seats},
    )
    contest.seats = seats


# Nominations -----------------------------------------------------------------
def stage1_elected_unit_ids(term: CouncilTerm) -> set[int]:
    return set(
        db.session.scalars(
            select(CouncilSeat.unit_id).where(
                CouncilSeat.term_id == term.id, CouncilSeat.office == COUNCIL
            )
        )
    )


def nominating_unit_of(user) -> MemberUnit | None:
    """Return the active unit this user may nominate for (as its admin or representative)."""
    membership = getattr(user, "colleague", None)
    unit = membership.unit if membership else None
    if unit is None or not unit.is_active:
        return None
    return unit if unit.is_admin(user) or unit.is_representative(user) else None


def nominate(
    contest: Contest, unit: MemberUnit, user, statement: str | None, by_council: bool = False
) -> Candidate:
    """Nominate a unit for a contest: its admin or representative, another's, or the council."""
    election = contest.election
    if not election.accepts_nominations(db_now()):
        raise ElectionError(_("Nominations are not open."), 409)
    if not unit.is_active:
        raise ElectionError(_("Only active member units can be nominated."))
    if election.stage == 2 and unit.id not in stage1_elected_unit_ids(election.term):
        raise ElectionError(_("Officers are elected from the units elected to the council."))
    nominator_unit = None
    if not by_council:
        nominator_unit = nominating_unit_of(user)
        if nominator_unit is None:
            raise ElectionError(
                _("Only an active unit's admin or representative can nominate."), 403
            )
    exists = db.session.scalar(
        select(Candidate).where(Candidate.contest_id == contest.id, Candidate.unit_id == unit.id)
    )
    if exists:
        raise ElectionError(_("This unit is already nominated for this office."))
    candidate = Candidate(
        contest=contest,
        unit=unit,
        nominated_by_unit=nominator_unit,
        nominated_by_id=user.id,
        statement=(statement or "").strip() or None,
    )
    db.session.add(candidate)
    audit.record(
        "election.nominate",
        election,
        new={"contest": contest.office, "unit_id": unit.id, "by_council": by_council},
    )
    return candidate


def respond(candidate: Candidate, user, accept: bool, on_behalf: bool = False) -> None:
    """Record the nominee unit's answer (its admin, or an officer holding its written answer)."""
    if candidate.contest.election.state != NOMINATING:
        raise ElectionError(_("Nominations are not open."), 409)
    if not on_behalf and not candidate.unit.is_admin(user):
        raise ElectionError(_("Only the nominee unit's admin can answer."), 403)
    old = candidate.status
    candidate.status = ACCEPTED if accept else DECLINED
    audit.record(
        "election.nomination_answer",
        candidate.contest.election,
        old={"status": old},
        new={
            "candidate_id": candidate.id,
            "status": candidate.status,
            "recorded_by_officer": on_behalf,
        },
    )


# Transitions -------------------------------------------------------------------
def open_nominations(election: Election) -> None:
    if not election.contests:
        raise ElectionError(_("Add at least one office before opening nominations."))
    _move(election, "open_nominations")


def confirm_candidates(election: Election) -> list[str]:
    """Confirm the list; build the electorate; return warnings worth showing."""
    check_action(election, "confirm_candidates")
    warnings = check_candidates(election)
    if election.stage == 1:
        units = db.session.scalars(
            select(MemberUnit.id).where(MemberUnit.status == STATUS_ACTIVE)
        ).all()
        existing = {e.unit_id for e in election.electorate}
        for unit_id in units:
            if unit_id not in existing:
                election.electorate.append(ElectorateEntry(unit_id=unit_id))
    if not election.electorate:
        raise ElectionError(_("The electorate is empty."))
    _move(election, "confirm_candidates")
    return warnings


def check_candidates(election: Election) -> list[str]:
    """Refuse a list that cannot fill the seats; return warnings (council over one third)."""
    for contest in election.contests:
        standing = contest.standing_candidates()
        if len(standing) < contest.seats:
            raise ElectionError(
                _(
                    "%(office)s: %(n)s accepted candidates for %(s)s seats.",
                    office=contest.label,
                    n=len(standing),
                    s=contest.seats,
                )
            )
        if election.contested_required and len(standing) <= contest.seats:
            raise ElectionError(
                _(
                    "%(office)s: the rules require more candidates than seats.",
                    office=contest.label,
                )
            )
        if election.stage == 2:
            elected = stage1_elected_unit_ids(election.term)
            if any(c.unit_id not in elected for c in standing):
                raise ElectionError(
                    _("Officers are elected from the units elected to the council.")
                )
    warnings = []
    if election.stage == 1:
        members = db.session.scalar(
            select(func.count()).select_from(MemberUnit).where(MemberUnit.status == STATUS_ACTIVE)
        )
        seats = sum(c.seats for c in election.contests)
        if seats * 3 > members:
            warnings.append(
                _(
                    "The council (%(s)s seats) would exceed one third of the %(m)s member units.",
                    s=seats,
                    m=members,
                )
            )
    return warnings


def set_proxy(entry: ElectorateEntry, proxy_user) -> None:
    """Record the proxy a unit authorised (授权委托书); only before voting opens."""
    election = entry.election
    require_editable(election)
    if not election.proxies_allowed:
        raise ElectionError(_("The rules of this election do not allow proxies."))
    old = entry.proxy_user_id
    entry.proxy_user_id = proxy_user.id if proxy_user else None
    audit.record(
        "election.proxy",
        election,
        old={"unit_id": entry.unit_id, "proxy_user_id": old},
        new={"unit_id": entry.unit_id, "proxy_user_id": entry.proxy_user_id},
    )


def frozen_config(election: Election) -> dict:
    """Build the canonical configuration voting opens with: rules, seats, candidates, electorate."""
    return {
        "election": election.id,
        "term": election.term.number,
        "stage": election.stage,
        "rules": {
            "ballot_form": election.ballot_form,
            "contested_required": election.contested_required,
            "proxies_allowed": election.proxies_allowed,
            "quorum": {
                "num": election.quorum_num,
                "den": election.quorum_den,
                "cmp": election.quorum_cmp,
                "base": election.quorum_base,
            },
            "threshold": {
                "num": election.threshold_num,
                "den": election.threshold_den,
                "cmp": election.threshold_cmp,
                "base": election.threshold_base,
            },
        },
        "window": {
            "opens_at": election.voting_opens_at.isoformat() if election.voting_opens_at else None,
            "closes_at": election.voting_closes_at.isoformat()
            if election.voting_closes_at
            else None,
        },
        "contests": [
            {
                "id": contest.id,
                "office": contest.office,
                "seats": contest.seats,
                "candidates": [
                    {"id": c.id, "unit_id": c.unit_id}
                    for c in sorted(contest.standing_candidates(), key=lambda c: c.id)
                ],
            }
            for contest in sorted(election.contests, key=lambda c: c.id)
        ],
        "electorate": [
            {"unit_id": e.unit_id, "proxy_user_id": e.proxy_user_id}
            for e in sorted(election.electorate, key=lambda e: e.unit_id)
        ],
    }


def open_voting(election: Election) -> None:
    """Freeze candidates, seats, rules and electorate, store their hash, open the ballot."""
    check_action(election, "open_voting")
    if not election.voting_opens_at or not election.voting_closes_at:
        raise ElectionError(_("Set the voting window first."))
    if election.voting_closes_at <= election.voting_opens_at:
        raise ElectionError(_("The voting window must close after it opens."))
    if election.voting_closes_at <= db_now():
        raise ElectionError(_("The voting window has already ended."))
    check_candidates(election)
    _freeze(election)


def _freeze(election: Election) -> None:
    """Store the canonical configuration and its hash and move to voting_open."""
    check_action(election, "open_voting")
    db.session.flush()
    config = frozen_config(election)
    election.frozen_config = config
    election.config_hash = tally_mod.sha256_of(config)
    _move(election, "open_voting", config_hash=election.config_hash)


def verify_frozen(election: Election) -> dict:
    """Rebuild the configuration from the rows; refuse when it no longer matches the hash."""
    db.session.flush()
    db.session.expire_all()  # read what the database holds now, not what we remember
    config = frozen_config(election)
    if (
        election.config_hash is None
        or tally_mod.sha256_of(config) != election.config_hash
        or tally_mod.sha256_of(election.frozen_config) != election.config_hash
    ):
        log.error("election %s: frozen configuration does not match its hash", election.id)
        raise ElectionError(
            _(
                "The frozen configuration no longer matches its hash: the data was changed. "
                "Nothing was counted."
            ),
            409,
        )
    return config


def close_voting(election: Election) -> None:
    """Close the ballot: once the window has ended, or when every unit has voted."""
    check_action(election, "close_voting")
    cast, electorate = turnout(election)
    if db_now() < election.voting_closes_at and cast < electorate:
        raise ElectionError(
            _("Voting closes at the end of the window, unless every unit has voted."), 409
        )
    _reseal_ballots(election)
    _move(election, "close_voting", cast=cast, electorate=electorate)


def _reseal_ballots(election: Election) -> None:
    """Rewrite the ballots in random order in this one transaction.

    During voting each ballot shares its transaction (PostgreSQL xmin) and insertion order
    (SQLite rowid, heap position) with its participation row. Rewriting them all at close
    leaves every ballot with the same transaction and a random physical order, so the
    database keeps nothing that links a ballot to the unit that cast it.
    """
    rows = db.session.scalars(select(Ballot).where(Ballot.election_id == election.id)).all()
    kept = [(b.receipt, b.choices) for b in rows]
    for ballot in rows:
        db.session.delete(ballot)
    db.session.flush()
    for receipt, choices in sorted(kept, key=lambda _b: secrets.randbits(64)):
        db.session.add(Ballot(receipt=receipt, election_id=election.id, choices=choices))
    db.session.flush()


def candidate_unit_ids(election: Election) -> set[int]:
    return {c.unit_id for c in election.candidates()}


def conflicted(election: Election, user) -> bool:
    """Tell whether the user's unit is a candidate (such a person may not act as teller)."""
    membership = getattr(user, "colleague", None)
    return membership is not None and membership.unit_id in candidate_unit_ids(election)


def ballots_of(election: Election) -> list[dict]:
    rows = db.session.scalars(
        select(Ballot).where(Ballot.election_id == election.id).order_by(Ballot.receipt)
    )
    return [{"receipt": b.receipt, "choices": b.choices} for b in rows]


def run_tally(election: Election, user) -> dict:
    """Count the ballots under the frozen rules after checking the frozen hash."""
    check_action(election, "tally")
    if conflicted(election, user):
        raise ElectionError(_("Your unit is a candidate: someone else must act as teller."), 403)
    config = verify_frozen(election)
    ballots = ballots_of(election)
    cast, _electorate = turnout(election)
    if cast != len(ballots):
        raise ElectionError(_("Ballots and participation do not match. Nothing was counted."), 409)
    result = tally_mod.tally(config, ballots)
    election.result = result
    election.ballots_hash = result["ballots_hash"]
    election.tallied_at = utcnow()
    _move(election, "tally", ballots_hash=election.ballots_hash)
    return result


def publish(election: Election) -> None:
    """Recompute, make results public and immutable, seat the council or its officers."""
    check_action(election, "publish")
    config = verify_frozen(election)
    ballots = ballots_of(election)
    if turnout(election)[0] != len(ballots):
        raise ElectionError(_("Ballots and participation do not match. Nothing was counted."), 409)
    result = tally_mod.tally(config, ballots)
    if result != election.result or result["ballots_hash"] != election.ballots_hash:
        raise ElectionError(
            _(
                "The ballots no longer match the tally: the data was changed. Nothing was published."
            ),
            409,
        )
    term = election.term
    for contest in result["contests"]:
        for row in contest["candidates"]:
            if row["elected"]:
                db.session.add(
                    CouncilSeat(
                        term=term,
                        election_id=election.id,
                        unit_id=row["unit_id"],
                        office=contest["office"],
                    )
                )
    db.session.flush()
    if election.stage == 1:
        _create_stage2_electorate(election)
    else:
        _update_tiers(term)
    election.published_at = utcnow()
    _move(election, "publish")


def _create_stage2_electorate(stage1: Election) -> Election:
    """Give the term's stage-2 election exactly the units elected in stage 1 as electorate."""
    elected = sorted(stage1_elected_unit_ids(stage1.term))
    stage2 = db.session.scalar(
        select(Election).where(
            Election.term_id == stage1.term_id,
            Election.stage == 2,
            Election.state.in_(list(EDITABLE_STATES)),
        )
    )
    if stage2 is None:
        stage2 = create_election(
            stage1.term,
            2,
            f"第{stage1.term.number}届理事会第一次会议选举",
            f"Term {stage1.term.number}: officers elected at the council's first meeting",
        )
    stage2.electorate = [ElectorateEntry(unit_id=u) for u in elected]
    audit.record("election.electorate", stage2, new={"unit_ids": elected, "from": stage1.id})
    return stage2


TIER_OF_OFFICE = {CHAIR: TIER_CHAIR, VICE_CHAIR: TIER_VICE_CHAIR}
TIER_RANK = [TIER_CHAIR, TIER_VICE_CHAIR, TIER_COUNCIL, TIER_MEMBER]


def _update_tiers(term: CouncilTerm) -> None:
    """Set every unit's tier from the term's seats (audited); units off the council become members."""
    seats = db.session.scalars(select(CouncilSeat).where(CouncilSeat.term_id == term.id)).all()
    tiers: dict[int, str] = {}
    for seat in seats:
        tier = TIER_OF_OFFICE.get(seat.office, TIER_COUNCIL)
        current = tiers.get(seat.unit_id, TIER_MEMBER)
        tiers[seat.unit_id] = min(tier, current, key=TIER_RANK.index)
    for unit in db.session.scalars(select(MemberUnit)):
        new = tiers.get(unit.id, TIER_MEMBER)
        if unit.tier != new:
            audit.record(
                "unit.tier", unit, old={"tier": unit.tier}, new={"tier": new, "term": term.number}
            )
            unit.tier = new


def cancel(election: Election, reason: str) -> None:
    reason = (reason or "").strip()
    check_action(election, "cancel")
    if not reason:
        raise ElectionError(_("Give a reason for cancelling."))
    election.cancel_reason = reason
    _move(election, "cancel", reason=reason)


# Voting ------------------------------------------------------------------------------
def turnout(election: Election) -> tuple[int, int]:
    """Return (units that voted, units on the electorate)."""
    cast = db.session.scalar(
        select(func.count())
        .select_from(Participation)
        .where(Participation.election_id == election.id)
    )
    electorate = db.session.scalar(
        select(func.count())
        .select_from(ElectorateEntry)
        .where(ElectorateEntry.election_id == election.id)
    )
    return cast, electorate


@dataclass(frozen=True)
class FrozenConfig:
    """An election's frozen configuration, parsed, with the lookups voting needs.

    Shared by every request of the worker: never change `config` or the dicts.
    """

    config: dict
    electorate: dict[int, int | None]  # unit id -> the proxy it authorised
    proxied: dict[int, int]  # proxy user id -> the first unit (by id) that authorised them

    @classmethod
    def of(cls, config: dict) -> "FrozenConfig":
        electorate = {e["unit_id"]: e["proxy_user_id"] for e in config["electorate"]}
        proxied = {}
        for unit_id, proxy_id in electorate.items():
            if proxy_id is not None:
                proxied.setdefault(proxy_id, unit_id)
        return cls(config, electorate, proxied)


# Parsed frozen configurations by (election id, config hash). A configuration never changes once
# frozen (nothing writes it after open_voting, and no state leads back to an editable one), and
# an entry is only made from a row whose configuration hashes to the row's config_hash: a hit
# therefore always is the configuration that hash names, and a new hash is a new key.
_frozen_cache: dict[tuple[int, str], FrozenConfig] = {}
_frozen_cache_lock = threading.Lock()  # for threaded workers; a hit takes no lock
FROZEN_CACHE_SIZE = 4  # elections open at the same time, and a few just closed


def frozen(election: Election) -> FrozenConfig:
    """Return the election's frozen configuration, parsed once per worker and hash-checked."""
    if not election.is_frozen:
        raise ElectionError(_("Voting is not open."), 409)
    key = (election.id, election.config_hash)
    cached = _frozen_cache.get(key)
    if cached is not None:
        return cached
    config = election.frozen_config  # a deferred column: loaded only on a miss
    if config is None or tally_mod.sha256_of(config) != election.config_hash:
        log.error("election %s: frozen configuration does not match its hash", election.id)
        raise ElectionError(
            _(
                "The frozen configuration no longer matches its hash: the data was changed. "
                "Voting is suspended."
            ),
            409,
        )
    cached = FrozenConfig.of(config)
    with _frozen_cache_lock:
        while len(_frozen_cache) >= FROZEN_CACHE_SIZE:
            del _frozen_cache[next(iter(_frozen_cache))]  # the oldest entry
        _frozen_cache[key] = cached
    return cached


def voter_unit_id(election: Election, user) -> int:
    """Return the id of the unit this user may vote for, or refuse with the reason."""
    config = frozen(election)
    if config.config["rules"]["proxies_allowed"] and user.id in config.proxied:
        return config.proxied[user.id]
    membership = getattr(user, "colleague", None)
    unit = membership.unit if membership else None
    if unit is None or unit.id not in config.electorate:
        raise ElectionError(_("Your unit is not on the electorate of this election."), 403)
    if not unit.is_representative(user):
        raise ElectionError(_("Only your unit's representative can vote for it."), 403)
    if config.config["rules"]["proxies_allowed"] and config.electorate[unit.id] is not None:
        raise ElectionError(_("Your unit has authorised a proxy, who votes for it."), 403)
    return unit.id


def electorate_entry(election: Election, unit_id: int) -> ElectorateEntry:
    """Return the unit's entry on the election's electorate (with the unit)."""
    return db.session.scalar(
        select(ElectorateEntry).where(
            ElectorateEntry.election_id == election.id, ElectorateEntry.unit_id == unit_id
        )
    )


def has_voted(election: Election, unit_id: int) -> Participation | None:
    return db.session.scalar(
        select(Participation).where(
            Participation.election_id == election.id, Participation.unit_id == unit_id
        )
    )


def ballot_unit_id(election: Election, user, now: datetime) -> int:
    """Return the unit this user casts a ballot for at `now`, or refuse with the reason.

    Checks the window, the frozen electorate and that the unit has not voted yet; the UNIQUE
    key on participation still decides a race (see record_ballot).
    """
    if not election.accepts_ballots(now):
        if election.voting_opens_at and now < election.voting_opens_at:
            raise ElectionError(_("Voting has not opened yet."), 403)
        if election.is_frozen:
            raise ElectionError(_("Voting is closed."), 403)
        raise ElectionError(_("Voting is not open."), 403)
    unit_id = voter_unit_id(election, user)
    if has_voted(election, unit_id):
        raise AlreadyVoted()
    return unit_id


def check_choices(election: Election, choices: dict) -> dict[str, str]:
    """Normalise a ballot's choices; refuse unknown candidates or more approvals than seats."""
    config = frozen(election).config
    clean = {}
    for contest in config["contests"]:
        approvals = 0
        for cand in contest["candidates"]:
            key = str(cand["id"])
            choice = choices.get(key) or "abstain"
            if choice not in CHOICES or (
                config["rules"]["ballot_form"] == FORM_UP_TO_N and choice == "oppose"
            ):
                raise ElectionError(_("The ballot contains a choice that does not exist."))
            approvals += choice == APPROVE
            clean[key] = choice
        if approvals > contest["seats"]:
            from alliance.elections.models import OFFICES

            raise ElectionError(
                _(
                    "%(office)s: you approved %(n)s candidates but there are only %(s)s seats.",
                    office=OFFICES[contest["office"]],
                    n=approvals,
                    s=contest["seats"],
                )
            )
    extra = set(choices) - set(clean)
    if extra:
        raise ElectionError(_("The ballot contains a choice that does not exist."))
    return clean


def new_receipt() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def cast_ballot(election: Election, user, choices: dict) -> str:
    """Record participation and the secret ballot together; return the receipt.

    The UNIQUE (election, unit) key on participation is what stops a second ballot: the
    IntegrityError it raises under a race becomes AlreadyVoted in the view.
    """
    unit_id = ballot_unit_id(election, user, db_now())
    receipt, _participation = record_ballot(
        election, unit_id, user, check_choices(election, choices)
    )
    return receipt


def record_ballot(
    election: Election, unit_id: int, user, clean: dict, voted_at=None
) -> tuple[str, Participation]:
    """Write participation, then the ballot, in the caller's transaction.

    The caller has checked the voter (ballot_unit_id) and the choices (check_choices).
    Return the receipt and the participation.
    """
    participation = Participation(
        election_id=election.id, unit_id=unit_id, voter_id=user.id, voted_at=voted_at or utcnow()
    )
    db.session.add(participation)
    db.session.flush()  # the UNIQUE key decides here, before the ballot exists
    receipt = new_receipt()
    db.session.add(Ballot(receipt=receipt, election_id=election.id, choices=clean))
    db.session.flush()
    log.info("ballot cast in election %s", election.id)  # never who, never what
    return receipt, participation


def not_voted(election: Election) -> list[ElectorateEntry]:
    voted = select(Participation.unit_id).where(Participation.election_id == election.id)
    return db.session.scalars(
        select(ElectorateEntry)
        .where(ElectorateEntry.election_id == election.id, ElectorateEntry.unit_id.not_in(voted))
        .order_by(ElectorateEntry.unit_id)
    ).all()


def remind(election: Election) -> int:
    """Mail the voters of every unit that has not voted yet; return how many were mailed."""
    if election.state != VOTING_OPEN:
        raise ElectionError(_("Reminders are sent only while voting is open."), 409)
    sent = 0
    for entry in not_voted(election):
        voter = (
            entry.proxy if (entry.proxy and election.proxies_allowed) else entry.unit.representative
        )
        if voter is None:
            continue
        mail.send(
            voter.email,
            "elections/mail/remind",
            locale=voter.locale,
            election=election,
            unit=entry.unit,
            voter=voter,
        )
        sent += 1
    audit.record("election.remind", election, new={"sent": sent})
    return sent


def officers_named(election: Election) -> list:
    """Return the officers who acted on this election and whose unit is a candidate."""
    from alliance.audit import AuditEvent
    from alliance.auth.models import User

    ids = set(
        db.session.scalars(
            select(AuditEvent.actor_id).where(
                AuditEvent.target_type == "elections",
                AuditEvent.target_id == str(election.id),
                AuditEvent.actor_id.is_not(None),
            )
        )
    )
    if not ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ids))).all()
    return [u for u in users if conflicted(election, u)]


def build_ballot_file(election: Election) -> dict:
    """Return the anonymous ballot file: frozen config, its hash, ballots and the result."""
    return {
        "format": "xmsoa-election-ballots/1",
        "election": election.id,
        "config": election.frozen_config,
        "config_hash": election.config_hash,
        "ballots": ballots_of(election),
        "result": election.result,
    }


def verify_ballot_file(data) -> tuple[bool, list[str]]:
    """Recompute a ballot file's tally; compare with its hash and the published result."""
    problems = []
    try:
        config, ballots = data["config"], data["ballots"]
        if tally_mod.sha256_of(config) != data["config_hash"]:
            problems.append(_("The configuration does not match its hash."))
        result = tally_mod.tally(config, ballots)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False, [_("This is not an election ballot file.")]
    election = (
        db.session.get(Election, data.get("election"))
        if isinstance(data.get("election"), int)
        else None
    )
    if election is None or election.state != PUBLISHED:
        problems.append(_("No published election matches this file."))
    else:
        if election.config_hash != data["config_hash"]:
            problems.append(_("The file's configuration is not the one the election froze."))
        if result != election.result:
            problems.append(_("The recomputed tally differs from the published result."))
    if result != data.get("result"):
        problems.append(_("The recomputed tally differs from the result in the file."))
    return not problems, problems
