"""A short-lived cache of the public pages as anonymous visitors see them.

The directory, a unit's profile, the statistics, the resources browse page and the council page
are the same for every anonymous visitor in a language, so each worker keeps the rendered HTML
for PAGE_CACHE_SECONDS (default 30; 0 turns the cache off), keyed by language and full path.
With PAGE_CACHE_REDIS_URL set, every worker and instance shares one Redis cache instead.

What is never served from the cache: a signed-in user's page (profiles show them contacts and
edit links), a request with flash messages waiting, anything but a 200 HTML answer. The one
per-visitor value on an anonymous page, the CSRF token of the language switch (and of any
anonymous form), is cut out before a page is stored and the visitor's own token is put back on
every hit.

Freshness: every committed database change (any flush, ORM insert/update/delete statement)
replaces the cache's generation, so the pages stored before it are never served again — at
once in the worker (or, with Redis, the whole deployment) that made the change, and within
PAGE_CACHE_SECONDS elsewhere. Pages whose content depends on the clock (a listing expiring at
midnight, a term starting) may lag by the same bound.
"""

import functools
import secrets

from cachelib import RedisCache, SimpleCache
from flask import current_app, g, get_flashed_messages, has_app_context, make_response, request
from flask import session as flask_session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

EXTENSION = "page_cache"
GENERATION_KEY = "generation"
TOKEN_SLOT = "@@csrf-token-slot@@"  # noqa: S105 - a placeholder; no template writes "@@"
MAX_PATH = 512


def init_app(app) -> None:
    """Create this app's cache (or none when PAGE_CACHE_SECONDS is 0)."""
    seconds = app.config["PAGE_CACHE_SECONDS"]
    if seconds <= 0:
        app.extensions[EXTENSION] = None
        return
    url = app.config.get("PAGE_CACHE_REDIS_URL")
    if url:
        import redis

        app.extensions[EXTENSION] = RedisCache(
            redis.Redis.from_url(url), default_timeout=seconds, key_prefix="alliance-page:"
        )
    else:
        app.extensions[EXTENSION] = SimpleCache(
            threshold=app.config["PAGE_CACHE_MAX_PAGES"], default_timeout=seconds
        )


def _cache():
    return current_app.extensions.get(EXTENSION) if has_app_context() else None


def _generation(cache) -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        generation = secrets.token_hex(8)
        cache.set(GENERATION_KEY, generation, timeout=0)
    return generation


def invalidate() -> None:
    """Forget every cached page (a new generation; old entries expire by themselves)."""
    cache = _cache()
    if cache is not None:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=0)


def _cacheable_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and len(request.full_path) <= MAX_PATH
        and "_flashes" not in flask_session
        and not current_user.is_authenticated
    )


def public_page(view):
    """Serve this view from the page cache to anonymous visitors."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = _cache()
        if cache is None or not _cacheable_request():
            return view(*args, **kwargs)
        key = f"{_generation(cache)}:{get_locale()}:{request.full_path}"
        body = cache.get(key)
        if body is not None:
            return make_response(body.replace(TOKEN_SLOT, generate_csrf()))
        response = make_response(view(*args, **kwargs))
        if _storable(response):
            body = response.get_data(as_text=True)
            token = g.get("csrf_token")
            cache.set(key, body.replace(token, TOKEN_SLOT) if token else body)
        return response

    return wrapper


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        # A page that showed flash messages (or left some for the next) is not the plain one.
        and "_flashes" not in flask_session
        and not get_flashed_messages()
    )


# Freshness: mark a session that wrote, start a new generation when it commits.
_STALE = "page_cache_stale"


@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context) -> None:
    session.info[_STALE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_STALE] = True


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    if session.info.pop(_STALE, False):
        invalidate()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop(_STALE, None)
