"""The election's refusals and its state machine: which action is allowed in which state."""

from flask_babel import gettext as _

from alliance import audit
from alliance.database import ServiceError
from alliance.elections.models import (
    CANCELLED,
    CONFIRMED,
    DRAFT,
    NOMINATING,
    PUBLISHED,
    TALLIED,
    VOTING_CLOSED,
    VOTING_OPEN,
    Election,
)


class ElectionError(ServiceError):
    """A refused action, with a message fit to show the person who asked."""

    status = 400


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


def move(election: Election, action: str, **extra) -> None:
    """Move the election along `action` and audit the move."""
    target = check_action(election, action)
    old = election.state
    election.state = target
    audit.record(f"election.{action}", election, old={"state": old}, new={"state": target, **extra})


def require_editable(election: Election) -> None:
    """Refuse a change of configuration once voting has opened."""
    if election.state not in EDITABLE_STATES:
        raise ElectionError(_("The configuration is frozen once voting opens."), 409)
