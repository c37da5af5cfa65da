"""Rate limits stored in Redis are shared by every worker; the 429 page says when to retry.

Uses TEST_REDIS_URL (CI: redis://127.0.0.1:6379/15) or the local Redis on database 15, with a
key prefix of its own that is deleted afterwards (the `redis_url` fixture of tests/conftest.py).
"""

from alliance.extensions import limiter


def _worker(make_app, url, prefix):
    return make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_RATE_LIMIT="3 per minute",
    )


def test_login_limit_is_shared_through_redis(make_app, redis_url, monkeypatch):
    url, prefix, client = redis_url
    monkeypatch.setattr(limiter, "_key_prefix", "")
    one = _worker(make_app, url, prefix)
    assert limiter.storage.__class__.__name__.startswith("Redis")
    data = {"email": "a@example.org", "password": "x" * 12}
    codes = [one.test_client().post("/login", data=data).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert list(client.scan_iter(match=f"*{prefix}*")), "the counter lives in Redis"
    # A second worker process (a new app on the same Redis) sees the same count.
    two = _worker(make_app, url, prefix)
    refused = two.test_client().post("/login", data=data)
    assert refused.status_code == 429
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert f"请在 {retry} 秒后重试" in refused.text or "秒后重试" in refused.text
    english = two.test_client().post("/login", data=data, headers={"Accept-Language": "en"})
    assert "Please try again in" in english.text and "seconds" in english.text
    # GET is not limited.
    assert two.test_client().get("/login").status_code == 200


def test_reset_limit_through_redis(make_app, redis_url, monkeypatch):
    url, prefix, _client = redis_url
    monkeypatch.setattr(limiter, "_key_prefix", "")
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=prefix,
        RESET_RATE_LIMIT="2 per minute",
    )
    client = app.test_client()
    codes = [client.post("/reset", data={"email": "x@example.org"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
