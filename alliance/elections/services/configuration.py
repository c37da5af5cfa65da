"""The frozen configuration: built when voting opens, checked against its hash, cached parsed."""

import logging
import threading
from dataclasses import dataclass

from flask_babel import gettext as _

from alliance.elections import tally as tally_mod
from alliance.elections.models import Election
from alliance.elections.services.states import ElectionError
from alliance.extensions import db

log = logging.getLogger(__name__)


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


def clear_cache() -> None:
    """Forget every parsed configuration (a test playing a worker that never read them)."""
    with _frozen_cache_lock:
        _frozen_cache.clear()
