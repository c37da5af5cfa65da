"""Council terms, elections, contests, candidates, electorate, participation and ballots.

Secrecy lives in the schema: a ballot row has a random receipt as its key, the election it
belongs to and the choices, nothing else (no unit, no user, no time). Who voted lives only in
`election_participations`, whose UNIQUE (election, unit) key enforces one ballot per unit.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.models import User
from alliance.database import check_in, utcnow
from alliance.extensions import db
from alliance.i18n import localized
from alliance.members.models import MemberUnit

# Offices of a council term, highest first.
CHAIR, VICE_CHAIR, SECRETARY_GENERAL, STANDING, COUNCIL = (
    "chair",
    "vice_chair",
    "secretary_general",
    "standing",
    "council",
)
OFFICES = {
    CHAIR: _l("Chairman"),
    VICE_CHAIR: _l("Vice-chairman"),
    SECRETARY_GENERAL: _l("Secretary-general"),
    STANDING: _l("Standing council member"),
    COUNCIL: _l("Council member"),
}
OFFICE_ORDER = list(OFFICES)

# Lifecycle states, in order; CANCELLED is reachable from every state before PUBLISHED.
DRAFT, NOMINATING, CONFIRMED = "draft", "nominating", "candidates_confirmed"
VOTING_OPEN, VOTING_CLOSED, TALLIED, PUBLISHED, CANCELLED = (
    "voting_open",
    "voting_closed",
    "tallied",
    "published",
    "cancelled",
)
STATES = {
    DRAFT: _l("Draft"),
    NOMINATING: _l("Nominating"),
    CONFIRMED: _l("Candidates confirmed"),
    VOTING_OPEN: _l("Voting open"),
    VOTING_CLOSED: _l("Voting closed"),
    TALLIED: _l("Tallied"),
    PUBLISHED: lazy_pgettext("election state", "Published"),
    CANCELLED: _l("Cancelled"),
}

FORM_APPROVE_OPPOSE, FORM_UP_TO_N = "approve_oppose", "up_to_n"
BALLOT_FORMS = {
    FORM_APPROVE_OPPOSE: _l("For each candidate: approve, oppose or abstain"),
    FORM_UP_TO_N: _l("Vote for up to N candidates"),
}
CMP_AT_LEAST, CMP_MORE_THAN = ">=", ">"
COMPARATORS = {CMP_AT_LEAST: _l("at least (inclusive)"), CMP_MORE_THAN: _l("more than (exclusive)")}
BASE_ELECTORATE, BASE_CAST, BASE_VALID = "electorate", "cast", "valid"
BASES = {
    BASE_ELECTORATE: _l("the electorate"),
    BASE_CAST: _l("ballots cast"),
    BASE_VALID: _l("valid ballots"),
}

APPROVE, OPPOSE, ABSTAIN = "approve", "oppose", "abstain"
CHOICES = (APPROVE, OPPOSE, ABSTAIN)

NOMINATED, ACCEPTED, DECLINED = "nominated", "accepted", "declined"
CANDIDATE_STATUSES = {
    NOMINATED: _l("Nominated"),
    ACCEPTED: _l("Accepted"),
    DECLINED: _l("Declined"),
}


def chinese_number(n: int) -> str:
    """Write 1–99 in Chinese numerals (第一届, 第十二届); larger numbers stay Arabic."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


class ImmutableError(RuntimeError):
    """Raised when code tries to change a published election or its ballots."""


class CouncilTerm(db.Model):
    """A council term (届): number, dates, offices with seat counts."""

    __tablename__ = "council_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    offices: Mapped[list["TermOffice"]] = relationship(
        back_populates="term", cascade="all, delete-orphan", order_by="TermOffice.position"
    )
    elections: Mapped[list["Election"]] = relationship(
        back_populates="term", order_by="Election.stage"
    )
    seats: Mapped[list["CouncilSeat"]] = relationship(back_populates="term")

    @property
    def title(self) -> str:
        return localized(f"第{chinese_number(self.number)}届理事会", f"Council term {self.number}")


class TermOffice(db.Model):
    """An office of a term and how many seats it has."""

    __tablename__ = "term_offices"
    __table_args__ = (
        UniqueConstraint("term_id", "office"),
        CheckConstraint(check_in("office", OFFICES), name="office"),
        CheckConstraint("seats > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("council_terms.id", ondelete="CASCADE"))
    office: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    term: Mapped[CouncilTerm] = relationship(back_populates="offices")

    @property
    def label(self) -> str:
        return str(OFFICES[self.office])


class Election(db.Model):
    """One election of a term: its stage, rules profile, windows and lifecycle state."""

    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint("stage IN (1, 2)", name="stage"),
        CheckConstraint(check_in("state", STATES), name="state"),
        CheckConstraint(check_in("ballot_form", BALLOT_FORMS), name="ballot_form"),
        CheckConstraint(check_in("quorum_cmp", COMPARATORS), name="quorum_cmp"),
        CheckConstraint(check_in("threshold_cmp", COMPARATORS), name="threshold_cmp"),
        CheckConstraint(check_in("quorum_base", BASES), name="quorum_base"),
        CheckConstraint(check_in("threshold_base", BASES), name="threshold_base"),
        CheckConstraint(
            "quorum_num >= 0 AND quorum_den > 0 AND threshold_num >= 0 AND threshold_den > 0",
            name="fractions",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("council_terms.id"), index=True)
    stage: Mapped[int] = mapped_column(default=1)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(24), default=DRAFT, index=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Rules profile: every fraction as integers, compared with integers only.
    ballot_form: Mapped[str] = mapped_column(String(20), default=FORM_APPROVE_OPPOSE)
    contested_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    proxies_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())
    quorum_num: Mapped[int] = mapped_column(default=2)
    quorum_den: Mapped[int] = mapped_column(default=3)
    quorum_cmp: Mapped[str] = mapped_column(String(2), default=CMP_AT_LEAST)
    quorum_base: Mapped[str] = mapped_column(String(12), default=BASE_ELECTORATE)
    threshold_num: Mapped[int] = mapped_column(default=1)
    threshold_den: Mapped[int] = mapped_column(default=2)
    threshold_cmp: Mapped[str] = mapped_column(String(2), default=CMP_MORE_THAN)
    threshold_base: Mapped[str] = mapped_column(String(12), default=BASE_CAST)
    # Windows, naive UTC.
    nominations_open_at: Mapped[datetime | None]
    nominations_close_at: Mapped[datetime | None]
    voting_opens_at: Mapped[datetime | None]
    voting_closes_at: Mapped[datetime | None]
    # Frozen when voting opens: canonical JSON of candidates, seats, rules, electorate + hash.
    # Deferred: it holds the whole electorate, and voting reads it parsed from a per-worker
    # cache keyed by the hash (services.frozen).
    frozen_config: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    config_hash: Mapped[str | None] = mapped_column(String(64))
    # Written by the tally; published as is.
    ballots_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict | None] = mapped_column(JSON)
    tallied_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    term: Mapped[CouncilTerm] = relationship(back_populates="elections")
    contests: Mapped[list["Contest"]] = relationship(
        back_populates="election", cascade="all, delete-orphan", order_by="Contest.position"
    )
    electorate: Mapped[list["ElectorateEntry"]] = relationship(
        back_populates="election", cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def state_label(self) -> str:
        return str(STATES[self.state])

    @property
    def is_frozen(self) -> bool:
        return self.config_hash is not None

    @property
    def is_published(self) -> bool:
        return self.state == PUBLISHED

    @property
    def results_visible(self) -> bool:
        """Results are shown to nobody until published."""
        return self.state == PUBLISHED

    def accepts_ballots(self, now: datetime) -> bool:
        """Tell whether a ballot may be cast at `now` (database time, naive UTC)."""
        return (
            self.state == VOTING_OPEN
            and self.voting_opens_at is not None
            and self.voting_closes_at is not None
            and self.voting_opens_at <= now < self.voting_closes_at
        )

    def accepts_nominations(self, now: datetime) -> bool:
        """Tell whether nominations are open at `now` (the window is optional)."""
        if self.state != NOMINATING:
            return False
        if self.nominations_open_at and now < self.nominations_open_at:
            return False
        return not (self.nominations_close_at and now >= self.nominations_close_at)

    def candidates(self) -> list["Candidate"]:
        return [c for contest in self.contests for c in contest.candidates]


class Contest(db.Model):
    """One office on an election's ballot and the seats it fills."""

    __tablename__ = "election_contests"
    __table_args__ = (
        UniqueConstraint("election_id", "office"),
        CheckConstraint(check_in("office", OFFICES), name="office"),
        CheckConstraint("seats > 0", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    office: Mapped[str] = mapped_column(String(20))
    seats: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    election: Mapped[Election] = relationship(back_populates="contests")
    candidates: Mapped[list["Candidate"]] = relationship(
        back_populates="contest", order_by="Candidate.id"
    )

    @property
    def label(self) -> str:
        return str(OFFICES[self.office])

    def standing_candidates(self) -> list["Candidate"]:
        return [c for c in self.candidates if c.status == ACCEPTED]


class Candidate(db.Model):
    """A unit nominated for a contest, with the nominee's answer."""

    __tablename__ = "election_candidates"
    __table_args__ = (
        UniqueConstraint("contest_id", "unit_id"),
        CheckConstraint(check_in("status", CANDIDATE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("election_contests.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("member_units.id"), index=True)
    nominated_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("member_units.id"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    statement: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=NOMINATED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="candidates")
    unit: Mapped[MemberUnit] = relationship(foreign_keys=[unit_id], lazy="joined")
    nominated_by_unit: Mapped[MemberUnit | None] = relationship(foreign_keys=[nominated_by_unit_id])


class ElectorateEntry(db.Model):
    """A unit entitled to vote in an election, and the proxy it authorised, if any."""

    __tablename__ = "election_electorate"
    __table_args__ = (UniqueConstraint("election_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("member_units.id"), index=True)
    proxy_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    election: Mapped[Election] = relationship(back_populates="electorate")
    unit: Mapped[MemberUnit] = relationship(lazy="joined")
    proxy: Mapped[User | None] = relationship()


class Participation(db.Model):
    """That a unit voted in an election (and when) — never how."""

    __tablename__ = "election_participations"
    __table_args__ = (UniqueConstraint("election_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("member_units.id"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Ballot(db.Model):
    """One secret ballot: a random receipt, its election and the choices — nothing else."""

    __tablename__ = "election_ballots"
    # No hidden rowid on SQLite: rows are stored in random receipt order, not insertion order.
    __table_args__ = {"sqlite_with_rowid": False}

    receipt: Mapped[str] = mapped_column(String(32), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    # {candidate_id (as text): "approve" | "oppose" | "abstain"}
    choices: Mapped[dict] = mapped_column(JSON)


class CouncilSeat(db.Model):
    """A seat a unit holds in a term, as a published election decided it."""

    __tablename__ = "council_seats"
    __table_args__ = (
        UniqueConstraint("term_id", "office", "unit_id"),
        CheckConstraint(check_in("office", OFFICES), name="office"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("council_terms.id"), index=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("member_units.id"), index=True)
    office: Mapped[str] = mapped_column(String(20))

    term: Mapped[CouncilTerm] = relationship(back_populates="seats")
    unit: Mapped[MemberUnit] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        return str(OFFICES[self.office])


# Immutability after publication, in the application (the migration adds database triggers).
def _committed(target, attr):
    history = inspect(target).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


@event.listens_for(Election, "before_update")
@event.listens_for(Election, "before_delete")
def _guard_election(_mapper, _connection, target):
    if _committed(target, "state") == PUBLISHED:
        raise ImmutableError(f"election {target.id} is published and cannot change")


@event.listens_for(Ballot, "before_insert")
@event.listens_for(Participation, "before_insert")
@event.listens_for(CouncilSeat, "before_insert")
@event.listens_for(ElectorateEntry, "before_insert")
@event.listens_for(Ballot, "before_update")
@event.listens_for(Ballot, "before_delete")
@event.listens_for(Participation, "before_update")
@event.listens_for(Participation, "before_delete")
@event.listens_for(CouncilSeat, "before_update")
@event.listens_for(CouncilSeat, "before_delete")
@event.listens_for(ElectorateEntry, "before_update")
@event.listens_for(ElectorateEntry, "before_delete")
def _guard_published_rows(_mapper, connection, target):
    state = connection.scalar(select(Election.state).where(Election.id == target.election_id))
    if state == PUBLISHED:
        raise ImmutableError(f"{type(target).__name__} of a published election cannot change")
